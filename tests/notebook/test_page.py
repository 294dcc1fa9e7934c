"""`PageTheme` without a browser (tests/notebook/test_browser.py checks its page half:
the theme reported from JupyterLab and the sliders' accessible names)."""

from turntune_nb.notebook.page import PageTheme


def test_the_page_half_ships_with_the_package_and_syncs_its_traits():
    probe = PageTheme(".my-panel")
    js = probe._esm if isinstance(probe._esm, str) else ""
    assert "data-jp-theme-light" in js or "jpThemeLight" in js  # anywidget read the package's page.js
    state = probe.get_state()
    assert state["light"] is None and state["panel_selector"] == ".my-panel"
    assert probe.layout.height == "0px"  # takes no room in the panel


def test_light_is_set_by_what_the_page_reports():
    probe = PageTheme()
    seen = []
    probe.observe(lambda c: seen.append(c["new"]), names="light")
    probe.set_state({"light": False})  # the message from the page
    probe.set_state({"light": True})
    assert seen == [False, True]
