from turntune_nb.notebook.outputs import link_target, output_links


def test_links_are_relative_to_the_notebooks_folder(tmp_path):
    nb = tmp_path / "notebooks"
    (nb / "turntune-output").mkdir(parents=True)
    links = output_links({"report": nb / "turntune-output" / "report.html", "setting": "turntune-output/config.json",
                          "outside": tmp_path / "turntune-output" / "x.json"}, folder=nb)
    page = links._repr_html_()
    assert "href='turntune-output/report.html'" in page and "href='turntune-output/config.json'" in page
    # ../turntune-output is outside the folder JupyterLab serves: shown as a path, never as a link
    assert "href='../" not in page and "outside this notebook's folder" in page
    assert repr(links).splitlines() == ["report: turntune-output/report.html", "setting: turntune-output/config.json",
                                        f"outside: {tmp_path / 'turntune-output' / 'x.json'}"]


def test_link_target_uses_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert link_target("out/a b.html") == "out/a b.html"
    assert link_target(tmp_path.parent / "x.html") is None
