"""The MLflow UI, checked in a real browser: `mlflow server` on a fresh store with two acbench runs, driven by
Playwright with Debian's chromium (no browser download is possible here; scripts/setup.sh installs it).

The test opens the run page (description, retention metrics, dataset, logged model), a figure artifact, the
registered version's model card, the run's item traces (gold answers, scores, flips), an agent episode's
trace step by step, both runs' items side by side, and the compare view of both runs. Screenshots go to the test's tmp folder;
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

from acbench import tracking
from acbench.tasks.base import ItemScore, TaskResult

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
SCREENSHOTS = REPO / "docs" / "screenshots"
# the real binary: /usr/bin/chromium is a wrapper script that Playwright cannot drive
CHROMIUM = next((p for p in ("/usr/lib/chromium/chromium", shutil.which("chromium") or "",
                             shutil.which("chromium-browser") or "") if p and os.access(p, os.X_OK)), None)
SERVER_START_S = 180  # a cold server on a busy 2-core CPU (six jobs at once: 90 s was not enough)
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


NEEDLE_ITEMS = ("len60_depth0", "len60_depth50", "len60_depth100")
ANSWER = "Saffron."


def _needle(solved: set[str]) -> TaskResult:
    """Three needle items; those in `solved` answered right (headline 100), the others wrong with a reason."""
    records = [{"id": i, "prompt": [{"role": "user", "content": f"Document: ... ({i}) ...\nWhat is the secret ingredient?"}],
                "prediction": ANSWER if i in solved else "I do not know.", "score": 10.0 if i in solved else 0.0,
                "score_strict": 1.0 if i in solved else 0.0, "parse_error": None if i in solved else
                "no answer word found in the output", "paper_reason": None} for i in NEEDLE_ITEMS]
    return TaskResult("needle", "long_context", records, {"headline": 0.0}, "headline",
                      items=[ItemScore(i, 100.0 if i in solved else 0.0) for i in NEEDLE_ITEMS])


def _episode(progress: float) -> TaskResult:
    """One PDDL episode of two steps, the second ungrounded."""
    steps = [{"action": "pick up b1", "output": "Action: pick up b1", "observation": "You pick up b1.",
              "valid": True, "progress": progress, "valid_strict": True, "progress_strict": progress},
             {"action": "fly to the moon", "output": "Action: fly to the moon", "observation": "Invalid action.",
              "valid": False, "progress": progress, "valid_strict": False, "progress_strict": progress}]
    record = {"id": "blocks_easy_1", "prompt": "Stack b1 on b2. Observation: b1 is clear.",
              "prediction": "pick up b1\nfly to the moon", "trajectory": steps, "progress_rate": progress,
              "success": False, "success_strict": False, "grounding_acc": 0.5, "grounding_acc_strict": 0.5,
              "steps": 2, "paper_reason": None, "parse_errors": 0, "parse_error": "unknown action: fly"}
    return TaskResult("pddl", "real_world", [record], {"headline": 0.0}, "headline",
                      items=[ItemScore("blocks_easy_1", 100 * progress)])


def _log_items(solved: set[str], progress: float) -> None:
    """Item traces of both models, as `acbench run` logs them: the base model solves every needle item."""
    from acbench.items import item_traces
    from acbench.tasks.base import Sample

    needle = [Sample(i, {}, target=ANSWER) for i in NEEDLE_ITEMS]
    pddl = [Sample("blocks_easy_1", {}, target={"goal": ["on b1 b2"]})]
    base_needle, base_pddl = _needle(set(NEEDLE_ITEMS)), _episode(0.5)
    tracking.log_item_traces(item_traces("needle", "base", base_needle, needle)
                             + item_traces("pddl", "base", base_pddl, pddl))
    tracking.log_item_traces(item_traces("needle", "compressed", _needle(solved), needle, base=base_needle)
                             + item_traces("pddl", "compressed", _episode(progress), pddl, base=base_pddl))


def _log_run(method: str, bits: int, retention: float, checkpoint: Path) -> tuple[str, str]:
    """One acbench-shaped run through acbench.tracking: params, metrics, a figure, a dataset, a registered model,
    and each item of both models as a trace."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
        _log_items({"len60_depth0"} if method == "gptq" else {"len60_depth0", "len60_depth50"},
                   0.25 if method == "gptq" else 0.5)
        model_id = tracking.log_checkpoint_model(checkpoint, params={"method": method, "bits": bits})
        tracking.log_metrics(metrics, model_id=model_id)
        tracking.set_description(run_description(cfg, metrics))
        card = version_card(cfg, metrics, tracking.run_link(run_id), f"key-{method}")
        version = tracking.register_checkpoint(checkpoint, "acbench-tiny-llama", {"method": method, "bits": bits},
                                               model_id=model_id, description=card)
    return run_id, version


def _close_assistant(page) -> None:
    """Close the assistant side panel when it is open: it hides half the page."""
    close = page.get_by_role("button", name="Close")
    if close.count():
        close.first.click()


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
            _close_assistant(page)
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

            # every item as a trace: the run's Traces tab lists items with the gold answer and one column per score
            page.goto(f"{server}/#/experiments/{experiment_id}/runs/{run_b}/traces")
            _close_assistant(page)
            expect(page.get_by_text("Expectations").first).to_be_visible()
            expect(page.get_by_text("pass->fail", exact=True).first).to_be_visible()  # the compressed item's flip
            expect(page.get_by_text('"I do not know."').first).to_be_visible()  # its answer
            expect(page.get_by_text("Saffron.", exact=True).first).to_be_visible()  # the gold expectation
            assert page.get_by_text("Document: ... (len60_depth50)").count() == 2  # base and compressed
            _shot(page, tmp_path, "traces")

            # an agent episode step by step: its trace, one span per step with the action and the observation
            page.get_by_text("Stack b1 on b2").first.click()
            step = page.get_by_text("step 2: fly to the moon").first
            expect(step).to_be_visible()
            step.click()
            expect(page.get_by_text("Invalid action.").first).to_be_visible()
            expect(page.get_by_text("step 1: pick up b1").first).to_be_visible()
            _shot(page, tmp_path, "episode")

            # two runs item by item: rows paired by item and model, one line per run
            page.goto(f"{server}/#/experiments/{experiment_id}/runs/{run_b}/traces?compareToRunUuid={run_a}")
            _close_assistant(page)
            expect(page.get_by_text("compare to").first).to_be_visible()
            expect(page.get_by_text("tiny-gptq").first).to_be_visible()
            expect(page.get_by_text("pass->fail", exact=True).nth(2)).to_be_visible()  # 1 in rtn, 2 in gptq
            _shot(page, tmp_path, "compare_items")

            # the compare view of both runs
            page.goto(f'{server}/#/compare-runs?runs=["{run_a}","{run_b}"]&experiments=["{experiment_id}"]')
            expect(page.get_by_text("tiny-gptq").first).to_be_visible()
            expect(page.get_by_text("tiny-rtn").first).to_be_visible()
            expect(page.get_by_text("retention/overall").first).to_be_visible()
            expect(page.locator(".js-plotly-plot").first).to_be_visible()  # the parallel coordinates plot
            _shot(page, tmp_path, "compare")
        finally:
            browser.close()
