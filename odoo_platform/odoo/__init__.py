"""Odoo runtime knowledge: odoo.conf rendering, bootstrap SQL, backup scripts, Redis ACLs.

Pure Python (no Pulumi); the shipped `.sql` and `.sh` files are read with `importlib.resources`.
"""
