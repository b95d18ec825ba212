"""The web UI in headless Chromium (Debian's chromium + chromium-driver, driven by Selenium; no browser
download): ask and see the streamed answer, citations and the graph; expand a node (laid out apart, a
legend of the types shown); search and add to the view; upload a recording and watch it reach done; open
on the namespace with data and follow a namespace switch; no console errors. Screenshots go to
SCREENSHOTS_DIR (the docs' docs/screenshots/ via `make screenshots`) or a temp dir."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from backend.config import load_settings
from tests.support.live_server import live_server
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def _chromium() -> tuple[str, str]:
    names = {"browser": ("chromium", "chromium-browser"), "driver": ("chromedriver",)}
    found = {k: next((shutil.which(n) for n in v if shutil.which(n)), None) for k, v in names.items()}
    if None in found.values() and shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "chromium", "chromium-driver"],
            capture_output=True,
            timeout=1800,
        )
        found = {k: next((shutil.which(n) for n in v if shutil.which(n)), None) for k, v in names.items()}
    if None in found.values():
        pytest.skip(
            "Chromium is not installed and could not be (apt-get install chromium chromium-driver needs root)"
        )
    return found["browser"], found["driver"]


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = _chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def answered(browser, number: int, what: str = "the answer"):
    """Turn `number` of the thread, once its answer has ended (streamed to its last event)."""
    from selenium.webdriver.common.by import By

    selector = f"#thread li.turn:nth-child({number})[data-state='done']"
    return wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, selector), timeout=120, what=what)[0]


def ask(browser, question: str, number: int, what: str = "the answer"):
    """Type a question, press Ask, and return its turn (the `number`th of the thread) once answered."""
    from selenium.webdriver.common.by import By

    browser.find_element(By.ID, "question").send_keys(question)
    browser.find_element(By.ID, "ask").click()
    return answered(browser, number, what)


def ingest_examples(api: str, namespace: str | None = None, only: str | None = None) -> None:
    form = {"namespace": namespace} if namespace else {}
    for path in sorted(EXAMPLES.glob(only or "*")):
        if path.suffix in {".vtt", ".srt", ".txt", ".json"}:
            with open(path, "rb") as f:
                job = httpx.post(
                    f"{api}/v1/transcripts", files={"file": (path.name, f)}, data=form, timeout=60
                ).json()
            wait_for(lambda j=job: httpx.get(f"{api}/v1/jobs/{j['job_id']}").json()["status"] == "succeeded",
                     timeout=180, what=f"{path.name} to be ingested")  # fmt: skip


def graph_ids(browser) -> set[str]:
    return set(browser.execute_script("return window.kwGraph.nodes().map(n => n.id())"))


def check_legend(browser) -> set[str]:
    """The legend is shown, names exactly the node types in view, and each swatch has its nodes' colour."""
    from selenium.webdriver.common.by import By

    assert browser.find_element(By.ID, "legend").is_displayed()
    legend = dict(
        browser.execute_script(
            "return [...document.querySelectorAll('#legend li')].map(li => [li.dataset.type,"
            " getComputedStyle(li.querySelector('.swatch')).backgroundColor.replace(/\\s/g, '')])"
        )
    )
    nodes = browser.execute_script(
        "return window.kwGraph.nodes()"
        ".map(n => [n.data('type'), n.style('background-color').replace(/\\s/g, '')])"
    )
    assert set(legend) == {t for t, _ in nodes}, (legend, nodes)
    for node_type, colour in nodes:
        assert legend[node_type] == colour, (node_type, colour, legend)
    for item in browser.find_elements(By.CSS_SELECTOR, "#legend li"):
        assert item.is_displayed() and item.text == item.get_attribute("data-type")
    return set(legend)


def check_laid_out_apart(browser) -> None:
    """No two nodes at one spot, few whose discs touch, and every node inside the graph's box."""
    nodes = browser.execute_script(
        "const w = window.kwGraph.width(), h = window.kwGraph.height();"
        "return window.kwGraph.nodes().map(n => { const b = n.renderedBoundingBox({includeLabels: false});"
        " return {id: n.id(), x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2, w: w, h: h}; })"
    )
    assert len(nodes) > 2
    pairs = overlapping = 0
    for i, a in enumerate(nodes):
        assert a["x1"] >= -1 and a["y1"] >= -1 and a["x2"] <= a["w"] + 1 and a["y2"] <= a["h"] + 1, a
        for b in nodes[i + 1 :]:
            pairs += 1
            centres = (
                abs((a["x1"] + a["x2"]) - (b["x1"] + b["x2"])) / 2,
                abs((a["y1"] + a["y2"]) - (b["y1"] + b["y2"])) / 2,
            )
            assert max(centres) > 1, ("two nodes at one spot", a, b)
            overlapping += a["x1"] < b["x2"] and b["x1"] < a["x2"] and a["y1"] < b["y2"] and b["y1"] < a["y2"]
    assert overlapping <= pairs * 0.05, f"{overlapping} of {pairs} pairs of nodes overlap"


def test_ask_see_evidence_and_graph_upload_and_trace(browser, shots, phoenix, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    settings = load_settings(data_dir=tmp_path, phoenix_endpoint=phoenix)
    with live_server(settings) as api:
        ingest_examples(api)
        browser.get(api + "/")
        wait_for(lambda: browser.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
        assert browser.find_element(By.ID, "key-label").get_attribute("hidden") is not None  # auth off

        # Ask: the answer streams in, citations arrive as chips, the graph fills.
        browser.find_element(By.ID, "question").send_keys("When do the trackers ship from Eindhoven?")
        browser.find_element(By.ID, "ask").click()
        chips = wait_for(
            lambda: browser.find_elements(By.CSS_SELECTOR, "#chips button.chip"), what="citations"
        )
        answer = browser.find_element(By.ID, "answer").text
        assert "Eindhoven" in answer
        # the chips are the sources the answer uses, not all the evidence retrieved
        shown = {int(c.text[1 : c.text.index("]")]) for c in chips}
        assert shown == {int(n) for n in re.findall(r"\[(\d{1,2})\]", answer)}, (shown, answer)
        badges = wait_for(lambda: browser.find_element(By.ID, "badges").text, what="badges")
        assert " ms" in badges and "$0.0000" in badges and "LLM calls" in badges
        nodes = int(
            wait_for(
                lambda: int(browser.find_element(By.ID, "graph").get_attribute("data-nodes")), what="graph"
            )
        )
        assert nodes > 0

        chips[0].click()
        excerpt = browser.find_element(By.ID, "excerpt")
        assert excerpt.is_displayed() and "turns" in excerpt.text and ":" in excerpt.text
        browser.execute_script("arguments[0].scrollIntoView({block: 'end'})", excerpt)  # in the screenshot

        # The trace: id in both forms and a Phoenix link that opens this very trace.
        link = wait_for(lambda: browser.find_elements(By.ID, "trace-link"), what="the trace link")[0]
        trace_text = browser.find_element(By.ID, "trace").text
        trace_id = trace_text.split()[1]
        assert len(trace_id) == 32 and f"1-{trace_id[:8]}-{trace_id[8:]}" in trace_text
        phoenix_url = link.get_attribute("href")
        assert phoenix_url.startswith(phoenix) and phoenix_url.endswith(trace_id)
        browser.save_screenshot(str(shots / "ui-answer.png"))

        # Click a node: its neighbourhood (as the API reports it) is now in the graph. The node clicked
        # is the one whose neighbourhood adds the most (the screenshot shows an expansion).
        graph_box = browser.find_element(By.ID, "graph")
        shown_ids = graph_ids(browser)

        def adds(node_id: str) -> int:
            around = httpx.get(f"{api}/v1/entities/{node_id}/neighborhood").json()["nodes"]
            return len({n["id"] for n in around} - shown_ids)

        target = browser.execute_script(
            "const n = window.kwGraph.getElementById(arguments[0]);"
            "const p = n.renderedPosition(); return {id: n.id(), x: p.x, y: p.y};",
            max(sorted(shown_ids), key=adds),
        )
        ActionChains(browser).move_to_element_with_offset(
            graph_box,
            int(target["x"] - graph_box.size["width"] / 2),
            int(target["y"] - graph_box.size["height"] / 2),
        ).click().perform()
        wait_for(
            lambda: browser.execute_script(
                "return performance.getEntriesByType('resource').some(e => e.name.includes(arguments[0]))",
                f"/v1/entities/{target['id']}/neighborhood",
            ),
            what="the click to fetch the node's neighbourhood",
        )
        around = httpx.get(f"{api}/v1/entities/{target['id']}/neighborhood").json()
        neighbours = around["nodes"]
        assert len(neighbours) > 1
        wanted = {n["id"] for n in neighbours}
        wait_for(lambda: wanted <= graph_ids(browser), what="the neighbourhood to be drawn")
        # what was clicked is described under the graph: its name, type and mentions
        clicked = next(n for n in neighbours if n["id"] == target["id"])
        details = browser.find_element(By.ID, "graph-details")
        assert details.is_displayed()
        assert details.text.startswith(
            f"{clicked['name']} ({clicked['type']} · {clicked['mention_count']} mention"
        )
        # an edge tapped: the sentence of the transcript that states the relation
        edge = next(e for e in around["edges"] if e["description"] and e["source"] != e["target"])
        browser.execute_script(
            "window.kwGraph.getElementById(arguments[0]).emit('tap')",
            f"{edge['source']}|{edge['type']}|{edge['target']}",
        )
        names = {n["id"]: n["name"] for n in neighbours}
        assert (
            details.text
            == f"{names[edge['source']]} —{edge['type']}→ {names[edge['target']]}: “{edge['description']}”"
        )
        check_laid_out_apart(browser)  # the new nodes are spread out, not piled at one point
        assert len(check_legend(browser)) >= 2
        browser.save_screenshot(str(shots / "ui-graph.png"))

        # Entity search: the entity and its neighbourhood join what is shown.
        before = graph_ids(browser)
        browser.find_element(By.ID, "search").send_keys("Priya")
        browser.find_element(By.CSS_SELECTOR, "#search-form button").click()
        result = wait_for(
            lambda: browser.find_elements(By.CSS_SELECTOR, "#search-results button"), what="search results"
        )
        priya = [r for r in result if r.text.startswith("Priya Raman")]
        assert priya, [r.text for r in result]
        priya[0].click()
        found = httpx.get(f"{api}/v1/entities", params={"q": "Priya Raman"}).json()
        priya_id = next(e["id"] for e in found if e["name"] == "Priya Raman")
        around = {n["id"] for n in httpx.get(f"{api}/v1/entities/{priya_id}/neighborhood").json()["nodes"]}
        wait_for(lambda: around | {priya_id} <= graph_ids(browser), what="Priya's neighbourhood")
        assert before <= graph_ids(browser)  # what was there stays
        assert browser.execute_script(
            "return window.kwGraph.getElementById(arguments[0]).selected()", priya_id
        )
        check_laid_out_apart(browser)
        check_legend(browser)

        # Upload a recording (docs/demo.md step 5's); the status follows the job's real stages to done.
        browser.find_element(By.ID, "file").send_keys(str(EXAMPLES / "walkthrough" / "lena-voice-memo.ogg"))
        browser.find_element(By.ID, "speaker").send_keys("Lena Fischer")
        browser.find_element(By.ID, "upload").click()
        seen = set()

        def finished() -> bool:
            status = browser.find_element(By.ID, "job-status")
            seen.add(status.text.split(" ")[0])
            return status.get_attribute("data-state") in ("done", "failed")

        wait_for(finished, timeout=120, what="the upload to finish")
        status = browser.find_element(By.ID, "job-status").text
        assert status.startswith("done:") and "entities" in status, status
        assert float(browser.find_element(By.ID, "job-progress").get_attribute("value")) == 1.0
        assert "transcribe" in seen or "uploading" in seen
        browser.execute_script("document.getElementById('job-status').scrollIntoView({block: 'end'})")
        browser.save_screenshot(str(shots / "ui-upload.png"))

        severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        assert severe == [], severe

        # The same trace in Phoenix's own UI.
        browser.get(phoenix_url)
        shown = ("retrieve", "POST /v1/query")
        wait_for(
            lambda: any(s in browser.page_source for s in shown), timeout=60, what="Phoenix to show the trace"
        )
        time.sleep(1.5)
        browser.save_screenshot(str(shots / "phoenix-trace.png"))


def test_a_conversation_as_a_thread_with_citations_and_a_new_conversation_button(browser, shots, tmp_path):
    from selenium.webdriver.common.by import By

    from tests.support.conversation import THREE_TURNS, citation_for

    settings = load_settings(data_dir=tmp_path)
    browser.get_log("browser")  # what earlier pages (Phoenix's UI) logged is not this page's
    with live_server(settings) as api:
        ingest_examples(api)
        browser.get(api + "/")
        wait_for(lambda: browser.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
        browser.find_element(By.ID, "new-conversation").click()
        session_id = wait_for(
            lambda: browser.find_element(By.ID, "session").get_attribute("title"), what="a session"
        )
        assert session_id.startswith("ses_")

        for number, (question, standalone, facts) in enumerate(THREE_TURNS, start=1):
            turn = ask(browser, question, number, f"turn {number}'s answer")
            assert turn.find_element(By.CSS_SELECTOR, ".asked").text == question
            understood = turn.find_element(By.CSS_SELECTOR, ".understood")
            if standalone:
                assert understood.is_displayed() and understood.text == f"understood as: {standalone}"
            else:
                assert not understood.is_displayed()
            answer = turn.find_element(By.CSS_SELECTOR, ".answer").text
            chips = turn.find_elements(By.CSS_SELECTOR, ".chips button.chip")
            for fact, source, title in facts:
                n = citation_for(answer, fact)
                # the chip the answer's [n] names opens the passage that says it
                next(c for c in chips if c.text.startswith(f"[{n}] ")).click()
                excerpt = turn.find_element(By.CSS_SELECTOR, ".excerpt")
                assert excerpt.is_displayed() and title in excerpt.text and source in excerpt.text
        assert len(browser.find_elements(By.CSS_SELECTOR, "#thread li.turn")) == 3
        assert browser.find_element(By.ID, "session").get_attribute("title") == session_id
        browser.save_screenshot(str(shots / "ui-conversation.png"))

        # a reload shows the same conversation, kept by the server
        browser.get(api + "/")
        wait_for(lambda: browser.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
        turns = browser.find_elements(By.CSS_SELECTOR, "#thread li.turn")
        assert [t.find_element(By.CSS_SELECTOR, ".asked").text for t in turns] == [
            q for q, _, _ in THREE_TURNS
        ]
        assert turns[2].find_elements(By.CSS_SELECTOR, ".chips button.chip")
        assert "About a week" in turns[2].find_element(By.CSS_SELECTOR, ".answer").text

        # "New conversation": an empty thread, another session, and a follow-up no longer resolves
        browser.find_element(By.ID, "new-conversation").click()
        wait_for(
            lambda: browser.find_element(By.ID, "session").get_attribute("title") not in ("", session_id),
            what="a new session",
        )
        assert browser.find_elements(By.CSS_SELECTOR, "#thread li.turn") == []
        turn = ask(browser, "How long will it take her?", 1, "the answer in the new conversation")
        assert not turn.find_element(By.CSS_SELECTOR, ".understood").is_displayed()
        assert httpx.get(f"{api}/v1/sessions/{session_id}").json()["turn_count"] == 3  # the old one is kept

        severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        assert severe == [], severe


def test_a_question_asked_within_one_transcript_cites_only_it(browser, shots, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    settings = load_settings(data_dir=tmp_path)
    with live_server(settings) as api:
        ingest_examples(api)
        browser.get(api + "/")
        wait_for(lambda: browser.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
        options = lambda: browser.find_elements(By.CSS_SELECTOR, "#within option")  # noqa: E731
        [title] = wait_for(
            lambda: [o.text for o in options() if "board" in o.text],
            what="the transcripts a question can be asked within",
        )  # the board review's own title (its file's name is board-review.json)
        # asked of every transcript, the answer quotes several, and the page says how to narrow it
        first = ask(browser, "What was said about the SAP export?", 1, "the first answer")
        chips = first.find_elements(By.CSS_SELECTOR, ".chip")
        spread = {chip.text.split(" · ")[0].split("] ")[1] for chip in chips}  # "[1] title · who · when"
        hint = first.find_element(By.CSS_SELECTOR, ".chips .hint").text
        assert len(spread) > 1 and hint.startswith(f"From {len(spread)} transcripts"), (spread, hint)
        # one button per transcript the answer quotes, in the order it cites them
        choices = first.find_elements(By.CSS_SELECTOR, ".chips .hint button.within-choice")
        cited_titles = list(dict.fromkeys(chip.text.split(" · ")[0].split("] ")[1] for chip in chips))
        assert [c.text for c in choices] == cited_titles

        Select(browser.find_element(By.ID, "within")).select_by_visible_text(title)
        turn = ask(browser, "What adds to the unit cost?", 2, "the answer within the board review")
        assert turn.find_element(By.CSS_SELECTOR, ".asked .badge.within").text == f"in {title}"
        chips = turn.find_elements(By.CSS_SELECTOR, ".chips button.chip")
        assert chips and all(title in chip.text for chip in chips), [c.text for c in chips]
        assert "sixty cents" in turn.find_element(By.CSS_SELECTOR, ".answer").text
        assert not turn.find_elements(By.CSS_SELECTOR, ".chips .hint")
        browser.save_screenshot(str(shots / "ui-within.png"))

        # one click on a transcript the first answer quoted asks that question again within it
        choice = first.find_elements(By.CSS_SELECTOR, ".chips .hint button.within-choice")[-1]
        chosen = choice.text
        choice.click()
        turn = answered(browser, 3, "the question asked again within one transcript")
        assert turn.find_element(By.CSS_SELECTOR, ".asked").text.startswith(
            "What was said about the SAP export?"
        )
        assert turn.find_element(By.CSS_SELECTOR, ".asked .badge.within").text == f"in {chosen}"
        chips = turn.find_elements(By.CSS_SELECTOR, ".chips button.chip")
        assert chips and all(f"] {chosen} · " in chip.text for chip in chips), [c.text for c in chips]
        assert Select(browser.find_element(By.ID, "within")).first_selected_option.text == chosen

        # a question that names a transcript by its title is asked within it, and the page says so
        Select(browser.find_element(By.ID, "within")).select_by_index(0)  # in all transcripts
        turn = ask(
            browser, f"What adds to the unit cost in the {title}?", 4, "the answer within the title named"
        )
        badge = turn.find_element(By.CSS_SELECTOR, ".asked .badge.within").text
        assert badge == f"in {title} (named in the question)", badge
        chips = turn.find_elements(By.CSS_SELECTOR, ".chips button.chip")
        assert chips and all(f"] {title} · " in chip.text for chip in chips), [c.text for c in chips]
        assert not turn.find_elements(By.CSS_SELECTOR, ".chips .hint")


def test_the_page_opens_on_the_namespace_with_data_and_follows_a_switch(browser, shots, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get_log("browser")
    with live_server(load_settings(data_dir=tmp_path)) as api:  # the default namespace stays empty
        ingest_examples(api, "demo")
        ingest_examples(api, "other", only="engineering-standup.txt")

        def shown(namespace: str) -> None:
            wait_for(
                lambda: (
                    browser.find_element(By.TAG_NAME, "body").get_attribute("data-namespace") == namespace
                ),
                what=f"the page to show {namespace}",
            )

        def titles(namespace: str) -> list[str]:
            found = httpx.get(f"{api}/v1/transcripts", params={"namespace": namespace}).json()
            return sorted(t["title"] for t in found)

        def entities(namespace: str) -> set[str]:
            found = httpx.get(f"{api}/v1/entities", params={"namespace": namespace, "limit": 200}).json()
            return {e["id"] for e in found}

        def switch(namespace: str) -> None:
            field = browser.find_element(By.ID, "namespace")
            field.send_keys(Keys.CONTROL, "a")
            field.send_keys(namespace, Keys.TAB)
            shown(namespace)

        browser.get(api + "/")
        browser.execute_script("localStorage.clear()")  # a newcomer: no namespace chosen before
        browser.get(api + "/")
        wait_for(lambda: browser.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
        shown("demo")
        assert browser.find_element(By.ID, "namespace").get_attribute("value") == "demo"
        listed = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#transcripts li")]
        assert sorted(listed) == titles("demo") and len(listed) == 4
        assert "4 transcripts in demo" in browser.find_element(By.ID, "transcripts-head").text
        demo_entities = entities("demo")
        nodes = wait_for(lambda: graph_ids(browser), what="the demo's graph")
        assert nodes <= demo_entities
        check_legend(browser)

        ask(browser, "When do the trackers ship from Eindhoven?", 1)
        browser.find_element(By.ID, "search").send_keys("Priya", Keys.ENTER)
        wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#search-results button"), what="results")
        browser.save_screenshot(str(shots / "ui-namespace.png"))

        switch("other")  # everything follows: graph, search, transcripts, thread
        listed = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#transcripts li")]
        assert listed == titles("other") and len(listed) == 1
        other_entities = entities("other")
        nodes = wait_for(lambda: graph_ids(browser), what="the other namespace's graph")
        assert nodes <= other_entities and not nodes & demo_entities
        check_legend(browser)
        assert browser.find_elements(By.CSS_SELECTOR, "#search-results li") == []
        assert browser.find_element(By.ID, "search").get_attribute("value") == ""
        assert browser.find_elements(By.CSS_SELECTOR, "#thread li.turn") == []
        browser.find_element(By.ID, "search").send_keys("Lena", Keys.ENTER)
        results = wait_for(
            lambda: browser.find_elements(By.CSS_SELECTOR, "#search-results button"),
            what="the other's results",
        )
        picked = results[0].get_attribute("data-id")
        assert picked in other_entities
        results[0].click()
        wait_for(
            lambda: browser.execute_script(
                "return window.kwGraph.getElementById(arguments[0]).selected()", picked
            ),
            what="the result in the graph",
        )
        assert nodes <= graph_ids(browser) <= other_entities

        switch("demo")  # and back: the demo's conversation is shown again
        assert len(browser.find_elements(By.CSS_SELECTOR, "#thread li.turn")) == 1
        assert graph_ids(browser) <= demo_entities
        browser.get(api + "/")  # a chosen namespace is kept over a reload
        wait_for(lambda: browser.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
        assert browser.find_element(By.ID, "namespace").get_attribute("value") == "demo"

        severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        assert severe == [], severe


def test_with_auth_on_a_typed_key_opens_its_namespace(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    key = "t" * 24
    browser.get_log("browser")
    with live_server(load_settings(data_dir=tmp_path, api_keys={key: "team"})) as api:
        with open(EXAMPLES / "engineering-standup.txt", "rb") as f:
            job = httpx.post(
                f"{api}/v1/transcripts",
                files={"file": ("engineering-standup.txt", f)},
                headers={"Authorization": f"Bearer {key}"},
                timeout=60,
            ).json()
        wait_for(
            lambda: httpx.get(f"{api}/v1/jobs/{job['job_id']}", headers={"Authorization": f"Bearer {key}"})
            .json()["status"] == "succeeded",
            timeout=180, what="the transcript to be ingested",
        )  # fmt: skip
        browser.get(api + "/")
        browser.execute_script("localStorage.clear()")
        browser.get(api + "/")
        wait_for(lambda: browser.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
        # no key yet: the public config names no data, and the page reads none (no 401s)
        assert browser.find_element(By.ID, "namespace").get_attribute("value") == "default"
        assert "API key" in browser.find_element(By.ID, "transcripts-head").text
        assert browser.find_element(By.ID, "graph").get_attribute("data-nodes") == "0"

        browser.find_element(By.ID, "api-key").send_keys(key, Keys.TAB)
        wait_for(
            lambda: browser.find_element(By.TAG_NAME, "body").get_attribute("data-namespace") == "team",
            what="the key's namespace",
        )
        assert browser.find_element(By.ID, "namespace").get_attribute("value") == "team"
        assert [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#transcripts li")] == [
            "engineering-standup"
        ]
        wait_for(lambda: graph_ids(browser), what="the team's graph")
        check_legend(browser)
        severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        assert severe == [], severe


def test_an_answer_that_fails_says_why_and_keeps_what_was_written(browser, tmp_path):
    from selenium.webdriver.common.by import By

    from tests.support.llm_standins import Script, openai_handler, serve

    known = {"Sven Larsen": "Person", "Priya": "Person", "Northwind": "Organization"}
    script = Script(known=known, answer_breaks_after=3)
    browser.get_log("browser")
    with serve(openai_handler(script)) as llm:
        settings = load_settings(
            data_dir=tmp_path, llm_provider="openai", openai_base_url=f"{llm.url}/v1",
            llm_model="gpt-4o-mini", llm_max_retries=0,
        )  # fmt: skip
        with live_server(settings) as api:
            ingest_examples(api, only="customer-call.srt")
            browser.get(api + "/")
            wait_for(lambda: browser.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")

            def battery(number: int):
                return ask(browser, "How long does the battery last?", number, f"turn {number} to end")

            # the model breaks off after three words: they stay, and a line says why the answer ends
            turn = battery(1)
            assert turn.find_element(By.CSS_SELECTOR, ".answer").text.strip() == "The battery lasts"
            stopped = turn.find_element(By.CSS_SELECTOR, ".stopped")
            assert stopped.is_displayed()
            assert stopped.text == "The answer stopped: the language model is unavailable; ask again shortly"
            assert "trace" in turn.find_element(By.CSS_SELECTOR, ".trace").text  # the failed answer's trace

            # the model is down before a word: the answer's place says so (the 503's message)
            script.answer_breaks_after, script.answer_status = None, 503
            turn = battery(2)
            assert (
                "the language model is unavailable"
                in turn.find_element(By.CSS_SELECTOR, ".answer.error").text
            )

            # back: the same question is answered, with its citations
            script.answer_status = None
            turn = battery(3)
            assert turn.find_element(By.CSS_SELECTOR, ".answer").text == script.answer
            assert turn.find_elements(By.CSS_SELECTOR, ".chips button.chip")
            assert not turn.find_elements(By.CSS_SELECTOR, ".stopped")
    # the 503 is the only thing the browser reports (a failed fetch is logged as a network error)
    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE" and "503" not in e["message"]]
    assert severe == [], severe
