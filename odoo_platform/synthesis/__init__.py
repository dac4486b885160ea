"""The engine the CLI and the tests share: the mocks harness that runs a Pulumi program
without a cloud (`harness`) and the mocks that answer its provider calls (`mocks`). Users
reach it through the thin public facade `odoo_platform.testing`."""
