"""Dashboard exports are safe to open in a spreadsheet."""


def test_dashboard_export_neutralises_a_lyceum_name(client, network):
    """A lyceum named like a formula comes out neutralised in the municipality's CSV export."""
    network.lyceum_a.name = "=cmd|' /C calc'!A0"
    network.lyceum_a.save()
    client.force_login(network.coord_a)
    body = client.get("/network/dashboard/regions/kazan/export/lyceums.csv").content.decode("utf-8-sig")
    assert "'=cmd" in body
    assert "\n=cmd" not in body
