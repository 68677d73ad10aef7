"""The JupyterHub integration: the portal as the hub's OpenID Connect provider (`hub.oidc`), the client of
the hub's REST and contents APIs (`hub.client`), opening, resetting and submitting exercises from
JupyterLab (`hub.services`, `hub.views`) and the `ensure_hub_client` command."""
