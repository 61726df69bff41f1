"""The MLflow UI, checked in a real browser: `mlflow server` on a fresh store with two acbench runs, driven by
Playwright with Debian's chromium (no browser download is possible here; scripts/setup.sh installs it).

The test opens the run page (description, retention metrics, dataset, logged model), a figure artifact, the
registered version's model card and the compare view of both runs. Screenshots go to the test's tmp folder;
with ACBENCH_UPDATE_SCREENSHOTS=1 they are also copied (shrunk to a small palette PNG) to docs/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
SCREENSHOTS = REPO / "docs" / "screenshots"
# the real binary: /usr/bin/chromium is a wrapper script that Playwright cannot drive
CHROMIUM = next((p for p in ("/usr/lib/chromium/chromium", shutil.which("chromium") or "",
                             shutil.which("chromium-browser") or "") if p and os.access(p, os.X_OK)), None)
SERVER_START_S = 90  # two cold workers on a busy 2-core CPU
PAGE_TIMEOUT_MS = 60_000


@pytest.fixture
def server(tmp_path, wait_healthy, free_port):
    """`mlflow server` on loopback with a SQLite store and proxied artifacts; always stopped in teardown."""
    port = free_port()
    log = open(tmp_path / "server.log", "w")
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "mlflow"), "server", "--backend-store-uri", f"sqlite:///{tmp_path}/ui.db",
         "--artifacts-destination", str(tmp_path / "artifacts"), "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, tmp_path / "server.log", SERVER_START_S)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the server and its uvicorn workers
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=15)
        log.close()


def _log_run(method: str, bits: int, retention: float, checkpoint: Path) -> tuple[str, str]:
    """One acbench-shaped run through acbench.tracking: params, metrics, a figure, a dataset, a registered model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from acbench import tracking
    from acbench.config import RunConfig
    from acbench.model_card import run_description, version_card

    cfg = RunConfig.from_params({"model": "tiny-llama", "method": method, "bits": str(bits), "group_size": "32",
                                 "tasks": "needle"})
    with tracking.tracked_run("acbench-ui", f"tiny-{method}", tags={"acbench.compression_key": f"key-{method}"}) as run_id:
        tracking.log_params({"model": "tiny-llama", "method": method, "bits": bits, "group_size": 32})
        tracking.log_dataset("needle", [{"id": f"len60_depth{d}"} for d in (0, 50, 100)],
                             str(REPO / "acbench" / "tasks" / "needle"), f"digest{bits}", {"samples": 3})
        metrics = {"retention/overall": retention, "retention/long_context": retention,
                   "stats/overall/retention_lo": retention - 0.1, "stats/overall/retention_hi": min(1.0, retention + 0.1),
                   "compressed/long_context/needle/score": 100 * retention,
                   "base/long_context/needle/score": 100.0}
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.bar(["base", "compressed"], [100, 100 * retention])
        ax.set_title(f"needle: {method}")
        tracking.log_figure(fig, "figures/compressed/needle_score.png")
        plt.close(fig)
        model_id = tracking.log_checkpoint_model(checkpoint, params={"method": method, "bits": bits})
        tracking.log_metrics(metrics, model_id=model_id)
        tracking.set_description(run_description(cfg, metrics))
        card = version_card(cfg, metrics, tracking.run_link(run_id), f"key-{method}")
        version = tracking.register_checkpoint(checkpoint, "acbench-tiny-llama", {"method": method, "bits": bits},
                                               model_id=model_id, description=card)
    return run_id, version


def _shot(page, tmp_path: Path, name: str) -> None:
    """Screenshot to tmp; with ACBENCH_UPDATE_SCREENSHOTS=1 also a small palette PNG under docs/screenshots/."""
    path = tmp_path / f"{name}.png"
    page.wait_for_timeout(1000)  # let charts and lazy panels finish drawing
    page.screenshot(path=str(path))
    assert path.stat().st_size > 5_000  # something was rendered
    if os.environ.get("ACBENCH_UPDATE_SCREENSHOTS") == "1":
        from PIL import Image

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        Image.open(path).convert("RGB").quantize(colors=64).save(SCREENSHOTS / f"{name}.png", optimize=True)


def test_mlflow_ui_shows_runs_metrics_figures_models_and_compare(server, tmp_path, monkeypatch):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (Debian package 'chromium'; scripts/setup.sh installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", server)
    monkeypatch.delenv("MLFLOW_RUN_ID", raising=False)
    checkpoint = tmp_path / "ckpt"
    checkpoint.mkdir()
    (checkpoint / "config.json").write_text('{"model_type": "llama"}')
    (run_a, _), (run_b, version_b) = _log_run("gptq", 4, 0.812, checkpoint), _log_run("rtn", 8, 0.954, checkpoint)
    from mlflow.tracking import MlflowClient

    experiment_id = MlflowClient().get_run(run_a).info.experiment_id

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(PAGE_TIMEOUT_MS)
            expect = sync_api.expect
            expect.set_options(timeout=PAGE_TIMEOUT_MS)

            # the run page: description, retention metrics, the dataset and the logged model
            page.goto(f"{server}/#/experiments/{experiment_id}/runs/{run_b}")
            expect(page.get_by_text("retention/overall").first).to_be_visible()
            close = page.get_by_role("button", name="Close")  # the assistant side panel hides half the page
            if close.count():
                close.first.click()
            expect(page.get_by_text("Headline retention (compressed / original): 0.954 [95 % CI 0.854, 1.000]")
                   .first).to_be_visible()
            expect(page.get_by_text("needle (digest8)").first).to_be_visible()  # the Datasets panel
            expect(page.get_by_text("Logged models (1)").first).to_be_visible()
            expect(page.get_by_text("acbench-tiny-llama").first).to_be_visible()
            _shot(page, tmp_path, "run")

            # a figure artifact, rendered as an image
            page.goto(f"{server}/#/experiments/{experiment_id}/runs/{run_b}/artifacts/figures/compressed/needle_score.png")
            expect(page.locator("img[src*='needle_score.png'], img[alt*='needle_score']").first).to_be_visible()
            _shot(page, tmp_path, "figure")

            # the registered version and its model card
            page.goto(f"{server}/#/models/acbench-tiny-llama/versions/{version_b}")
            expect(page.get_by_text("Compressed checkpoint of").first).to_be_visible()
            expect(page.get_by_text("tiny-rtn").first).to_be_visible()  # Source Run
            expect(page.get_by_text("Outputs (1)").first).to_be_visible()  # the signature's schema
            _shot(page, tmp_path, "model_version")

            # the compare view of both runs
            page.goto(f'{server}/#/compare-runs?runs=["{run_a}","{run_b}"]&experiments=["{experiment_id}"]')
            expect(page.get_by_text("tiny-gptq").first).to_be_visible()
            expect(page.get_by_text("tiny-rtn").first).to_be_visible()
            expect(page.get_by_text("retention/overall").first).to_be_visible()
            expect(page.locator(".js-plotly-plot").first).to_be_visible()  # the parallel coordinates plot
            _shot(page, tmp_path, "compare")
        finally:
            browser.close()
