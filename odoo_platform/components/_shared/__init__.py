"""Private helpers the components share (args checking, child options, network and IAM building
blocks). Not public API: import components from `odoo_platform` or `odoo_platform.components.*`."""
