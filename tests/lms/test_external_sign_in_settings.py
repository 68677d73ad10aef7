"""The external OpenID Connect sign-in is configured by the environment alone: off by default; with
EXTERNAL_OIDC_SERVER_URL set, one allauth `openid_connect` app, and the provider's origin allowed as a
form target (the log-in button's post is redirected there)."""

from tests.lms.production import production_settings

NAMES = ("SOCIALACCOUNT_PROVIDERS", "CONTENT_SECURITY_POLICY")


def test_external_sign_in_is_off_unless_configured():
    loaded = production_settings(*NAMES)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.values["SOCIALACCOUNT_PROVIDERS"]["openid_connect"]["APPS"] == []
    form_action = loaded.values["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["form-action"]
    assert not any("esia" in origin for origin in form_action)


def test_configured_provider_becomes_an_app_and_a_form_target():
    loaded = production_settings(
        *NAMES,
        EXTERNAL_OIDC_SERVER_URL="https://esia-gateway.example/realms/lyceum",
        EXTERNAL_OIDC_CLIENT_ID="portal",
        EXTERNAL_OIDC_CLIENT_SECRET="s3cret",
        EXTERNAL_OIDC_NAME="ЕСИА",
        EXTERNAL_OIDC_FORM_ACTION="https://esia.example",
    )
    assert loaded.returncode == 0, loaded.stderr
    (app,) = loaded.values["SOCIALACCOUNT_PROVIDERS"]["openid_connect"]["APPS"]
    assert app["provider_id"] == "external"
    assert app["name"] == "ЕСИА"
    assert app["client_id"] == "portal"
    assert app["settings"]["server_url"] == "https://esia-gateway.example/realms/lyceum"
    form_action = loaded.values["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["form-action"]
    assert "https://esia-gateway.example" in form_action
    assert "https://esia.example" in form_action
