"""The typed assembly of component args from the validated stack configuration.

One module per component, `assembly/<component module>.py`, with typed functions from the
validated `PlatformConfig` (and the outputs of components declared before) to that component's
Args. This is the only place component args are built from the stack file: components take
their own Args and never read the configuration; the environment rules come from
`config/defaults.py`.
"""
