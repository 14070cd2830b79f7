"""eForms notices for Hilma: built from a call's data (build.py), checked against the SDK's rules and Hilma's own
(validate.py). The SDK files the checks need at run time are vendored under sdk/ (CC BY 4.0, see sdk/NOTICE)."""
