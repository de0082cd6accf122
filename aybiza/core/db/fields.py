"""Model fields the spec needs beyond Django's own."""

import json

from django.db import models

from . import encryption


class BigSerialField(models.BigAutoField):
    """A BIGSERIAL column (sequence default), as the spec writes it.

    Django's BigAutoField makes an identity column instead.
    """

    def db_type(self, connection):
        return "bigserial"

    def db_type_suffix(self, connection):
        return None

    def rel_db_type(self, connection):
        return "bigint"


class EncryptedTextField(models.TextField):
    """TEXT holding a Fernet token; the model sees the plaintext."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encryption.encrypt(value)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return encryption.decrypt(value)


class EncryptedJSONField(models.JSONField):
    """JSONB holding a Fernet token (a JSON string); the model sees the JSON value.

    Empty containers ({} and []) are stored as they are, so the spec's
    column DEFAULTs keep their meaning; anything with content is ciphertext.
    """

    def get_prep_value(self, value):
        if value is None or value == {} or value == []:
            return super().get_prep_value(value)
        return super().get_prep_value(encryption.encrypt(json.dumps(value, cls=self.encoder)))

    def from_db_value(self, value, expression, connection):
        value = super().from_db_value(value, expression, connection)
        if isinstance(value, str):
            return json.loads(encryption.decrypt(value), cls=self.decoder)
        return value


def encrypted_fields(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if isinstance(f, (EncryptedTextField, EncryptedJSONField))]
