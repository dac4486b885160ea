"""Entry point of `pulumi up`: the whole program lives in odoo_platform.platform.program."""

from odoo_platform.platform.program import main

main()
