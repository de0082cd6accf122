import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def pdf_renderer():
    """WeasyPrint needs Debian's pango (./dev test installs it through apt when run as root)."""
    try:
        import weasyprint  # noqa: F401
    except OSError as exc:  # the Python package is there, the system library is not
        pytest.skip(f"WeasyPrint cannot load pango ({exc}); install libpango-1.0-0 libpangoft2-1.0-0")
