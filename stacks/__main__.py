"""Entry point of `pulumi up`: the whole program lives in odoo_platform.stack."""

from odoo_platform.stack import main

main()
