"""Database support of the ops console (aybiza/admin): the indexes its changelists need.

A separate app so its migration never collides with the apps' own migration
chains; see docs/ops-console.md.
"""
