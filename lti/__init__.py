"""LTI 1.3 for the tool side: platforms, the tool key, launches, deep linking, and the
Assignment and Grade Services and Names and Role Provisioning clients. See docs/lti.md."""
