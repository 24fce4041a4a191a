"""End to end with the real agent programs: Claude Code, Codex, Copilot CLI, Qwen Code and
OpenCode as published on npm (the
versions pinned in tests/e2e/agent-clis/package.json, installed by
scripts/install-agent-clis.sh), each pointed at a scripted model server on 127.0.0.1
through its own setting for a custom endpoint. The model asks for one shell command that
creates a marker file; the hooks that `ctray install` wrote send the approval to the app.

For each program: with the app not running it falls back to its own prompt without hanging;
a card shows the real command; Approve in the popover → the command runs; Deny with a
reason → it does not run and the model is told the reason; the agent's state follows the
session. Claude Code runs in print mode (`-p --permission-mode default`), Copilot CLI in
its prompt mode (`-p`, offline against the server as its own provider), Codex, Qwen Code
and OpenCode (through ctray's plugin) as their interactive programs in tmux (`codex exec` never asks; Qwen's `-p` denies
before its hook runs). Timings from the model's tool call
to the card, and from the click to the command's effect, are printed as figures.

The scenario runs as named cases (install, claude:approve, codex:approve-deny, …); a case
stops at its first failed check, and a case whose needs failed is skipped. Given case names,
only those run, with the cases they need.

usage: real_agents_e2e.py APP_BINARY OUTPUT_DIR [CASE…]   (ctray is taken from beside the app
binary; the programs from $CONVERGE_E2E_AGENT_CLIS, default ~/.cache/converge-tray/agent-clis)
"""
import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from desktop import Desktop, isolated_home
from harness import (approve_on_card, card_for, Cases, DRIVER, Run, api_call, eventually,
                     find_card, start_driver, stop_driven_app)
from agent_programs import Tmux, agent_named, card_with_command, deny_with_reason
from model_server import ModelServer
from webdriver import Session

CLIS = Path(os.environ.get("CONVERGE_E2E_AGENT_CLIS",
                           Path.home() / ".cache" / "converge-tray" / "agent-clis"))
BIN = CLIS / "node_modules" / ".bin"


# What each interactive program's empty composer says when it is ready for a prompt.
CODEX_READY = "Ask Codex to do anything"
CLAUDE_READY = "shift+tab to cycle"

# The plan the scripted model hands Claude Code's ExitPlanMode.
PLAN = "# Add a cache\n\n1. Read `config.toml`\n2. **Write** the cache\n\n```sh\ncargo test\n```\n"

# Claude Code's AskUserQuestion, as the scripted model calls it.
QUESTION = "Which database should the service use?"
ASK_QUESTION = ("AskUserQuestion", {"questions": [{
    "question": QUESTION, "header": "Database", "multiSelect": False,
    "options": [{"label": "PostgreSQL", "description": "Relational, the team knows it"},
                {"label": "SQLite", "description": "One file, no server"}]}]})
CACHE_QUESTION = "Which cache should the service use?"
ASK_CACHE = ("AskUserQuestion", {"questions": [{
    "question": CACHE_QUESTION, "header": "Cache", "multiSelect": False,
    "options": [{"label": "Redis", "description": "Shared, survives restarts"},
                {"label": "Memcached", "description": "Simple, in memory"}]}]})
QWEN_READY = "Type your message"
OPENCODE_READY = "Ask anything"


def remembered_in_audit(db: Path, request_id):
    """(outcome, decided_by, remembered) of the request's `resolved` audit entry, if any."""
    if not db.exists() or request_id is None:
        return None
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute("SELECT outcome, decided_by, remembered FROM audit "
                            "WHERE request_id = ? AND event = 'resolved'",
                            (request_id,)).fetchone()
    finally:
        conn.close()


def codex_log(codex_home: Path, rows=25) -> str:
    """The last lines Codex logged (it logs to SQLite under its home): why it did what it did
    when a check on it fails."""
    lines = []
    for db in sorted(codex_home.glob("logs_*.sqlite")):
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            found = conn.execute("SELECT ts, level, target, substr(feedback_log_body, 1, 300) "
                                 "FROM logs ORDER BY id DESC LIMIT ?", (rows,)).fetchall()
        except sqlite3.Error as error:
            found = [(0, "?", str(db), str(error))]
        finally:
            conn.close()
        lines += [f"{ts} {level} {target}: {body}" for ts, level, target, body in reversed(found)]
    return "\n".join(lines)


def codex_trusted_hooks(codex_home: Path) -> list:
    """The hooks whose trust Codex recorded in its config.toml (`[hooks.state."<key>"]`
    tables with a `trusted_hash`): the keys, each `<hooks.json>:<event>:<group>:<handler>`."""
    try:
        config = tomllib.loads((codex_home / "config.toml").read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return []
    state = config.get("hooks", {}).get("state", {})
    return [key for key, value in state.items() if value.get("trusted_hash")]


async def main(app: str, out: Path, only) -> int:
    out.mkdir(parents=True, exist_ok=True)
    ctray = str(Path(app).with_name("ctray"))
    home = isolated_home("converge-e2e-real-agents-")
    socket_path = home / "run" / "api.sock"
    project = home / "project"
    project.mkdir()
    (home / "tmp").mkdir()
    run = Run()
    cases = Cases(run, only)
    check = cases.check
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(max_workers=2)
    figures = []
    model = ModelServer("true").start()
    claude_bin, codex_bin, copilot_bin = BIN / "claude", BIN / "codex", BIN / "copilot"
    qwen_bin, opencode_bin = BIN / "qwen", BIN / "opencode"
    # Qwen Code, interactive, with the server as its OpenAI-compatible provider, and its
    # approval mode "default" (its own default, "auto", lets a model classify each call).
    qwen_command = f"{qwen_bin} --auth-type openai --approval-mode default"
    # Claude Code: its documented endpoint and key variables; nothing else leaves the machine.
    os.environ.update(ANTHROPIC_BASE_URL=model.url, ANTHROPIC_API_KEY="sk-e2e",
                      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1", DISABLE_TELEMETRY="1",
                      DISABLE_AUTOUPDATER="1", OPENAI_API_KEY="sk-e2e",
                      # Copilot CLI: offline, with the server as its model provider.
                      COPILOT_OFFLINE="true", COPILOT_PROVIDER_BASE_URL=f"{model.url}/v1",
                      COPILOT_PROVIDER_API_KEY="sk-e2e", COPILOT_MODEL="gpt-e2e",
                      OPENAI_BASE_URL=f"{model.url}/v1", OPENAI_MODEL="gpt-e2e",
                      # OpenCode: nothing fetched or updated from the network.
                      OPENCODE_DISABLE_MODELS_FETCH="1", OPENCODE_DISABLE_AUTOUPDATE="1",
                      OPENCODE_DISABLE_LSP_DOWNLOAD="1", OPENCODE_DISABLE_SHARE="1",
                      # Codex refuses to unpack its sandbox helpers under the system temp dir
                      # when its home is there too.
                      TMPDIR=str(home / "tmp"))
    codex_home = home / ".codex"
    codex_home.mkdir()
    (codex_home / "config.toml").write_text(
        'model = "gpt-e2e"\nmodel_provider = "scripted"\napproval_policy = "on-request"\n'
        'sandbox_mode = "workspace-write"\n\n[model_providers.scripted]\nname = "scripted"\n'
        f'base_url = "{model.url}/v1"\nwire_api = "responses"\n\n'
        f'[projects."{project}"]\ntrust_level = "trusted"\n')
    tmux = Tmux(home, "codex", CODEX_READY)
    claude_tmux = Tmux(home, "claude", CLAUDE_READY)
    # Claude Code interactive: its first-run screens done, the key and the project accepted,
    # as a person who has used it before has them.
    (home / ".claude.json").write_text(json.dumps({
        "hasCompletedOnboarding": True,
        "customApiKeyResponses": {"approved": ["sk-e2e"[-20:]], "rejected": []},
        "projects": {str(project): {"hasTrustDialogAccepted": True, "allowedTools": []}}}))
    qwen_tmux = Tmux(home, "qwen", QWEN_READY)
    opencode_tmux = Tmux(home, "opencode", OPENCODE_READY)
    driver = session = desktop = item = None

    def claude(marker: Path, timeout=120):
        """Claude Code in print mode, asked to create `marker`; (exit status, seconds)."""
        model.command = f"touch {marker}"
        started = time.monotonic()
        done = subprocess.run([str(claude_bin), "-p", "Create the marker file",
                               "--permission-mode", "default"], cwd=project,
                              capture_output=True, text=True, timeout=timeout)
        return done, time.monotonic() - started

    def copilot(marker: Path, timeout=120):
        """Copilot CLI in prompt mode, asked to create `marker`; (exit status, seconds)."""
        model.command = f"touch {marker}"
        started = time.monotonic()
        done = subprocess.run([str(copilot_bin), "-p", "Create the marker file"], cwd=project,
                              capture_output=True, text=True, timeout=timeout)
        return done, time.monotonic() - started

    async def own_prompt_without_app(term, name, command_line, slug, own_prompt):
        """The app not running: the interactive program shows its own approval prompt, and
        declining there leaves the command unrun."""
        marker = project / f"{slug}-without-app"
        model.command = f"touch {marker}"
        term.start(project, command_line)
        term.type_line("Create the marker file", timeout=60)
        own = await eventually(lambda: own_prompt in term.screen(), timeout=60)
        check(f"without the app, {name} shows its own approval prompt",
              bool(own) and f"touch {marker}" in term.screen(), term.screen())
        term.keys("Escape")
        await asyncio.sleep(1)
        check(f"... and declining there leaves {name}'s command unrun", not marker.exists())
        term.stop()

    async def approve_then_deny(term, name, command_line, slug, own_prompt, reason):
        """One interactive session: the first request, approved in the popover, runs and the
        turn ends done; the next, denied with `reason`, does not run and the model hears
        why. `own_prompt`: the program's own prompt, which must not show meanwhile (None for
        a program that shows it anyway)."""
        marker = project / f"{slug}-approved"
        command = f"touch {marker}"
        model.command = command
        term.start(project, command_line)
        term.type_line("Create the marker file", timeout=60)
        card = await loop.run_in_executor(pool, card_with_command, session, command)
        shown_at = time.monotonic()
        check(f"{name}'s real permission request is a card with the real command",
              card is not None, term.screen())
        figures.append((f"{name}: tool call → card", shown_at - model.tool_calls[-1][0]))
        if own_prompt is not None:
            check(f"{name} does not show its own prompt while the tray has the question",
                  own_prompt not in term.screen(), term.screen())
        clicked = time.monotonic()
        approve_on_card(card)
        ran = await eventually(marker.exists, timeout=60, interval=0.02)
        figures.append((f"{name}: Approve click → command ran", time.monotonic() - clicked))
        check(f"approved in the popover, {name} runs the command", bool(ran), term.screen())
        state = await eventually(lambda: (agent_named(socket_path, name) or {})
                                 .get("state") == "done", timeout=30)
        check(f"when its turn ends, the {name} agent is shown done", bool(state),
              agent_named(socket_path, name))
        marker = project / f"{slug}-denied"
        command = f"touch {marker}"
        model.command = command
        term.type_line("Create another marker file")
        card = await loop.run_in_executor(pool, card_with_command, session, command)
        check(f"the next request in the same {name} session is a card", card is not None,
              term.screen())
        await loop.run_in_executor(pool, deny_with_reason, session, card, reason)
        told = await eventually(lambda: any(reason in r for r in
                                            model.tool_results("/chat/completions")),
                                timeout=30)
        check(f"denied with a reason, {name} does not run it and the model hears the "
              "reason", bool(told) and not marker.exists(),
              model.tool_results("/chat/completions")[-1:])
        term.stop()

    async def programs():
        check("the real Claude Code, Codex, Copilot CLI, Qwen Code and OpenCode programs are "
              "installed", all(b.exists() for b in (claude_bin, codex_bin, copilot_bin,
                                                    qwen_bin, opencode_bin)),
              f"not all in {BIN}: run scripts/install-agent-clis.sh")
        # Which versions this run drove, for the log (scripts/agent-versions.sh compares them
        # with the registry's newest).
        for name, program in (("Claude Code", claude_bin), ("Codex", codex_bin),
                              ("Copilot CLI", copilot_bin), ("Qwen Code", qwen_bin),
                              ("OpenCode", opencode_bin)):
            try:
                said = subprocess.run([str(program), "--version"], capture_output=True, text=True,
                                      timeout=30, env={**os.environ, "HOME": str(home)})
                version = (said.stdout.strip().splitlines() or ["?"])[0]
            except (OSError, subprocess.TimeoutExpired) as error:
                version = f"unknown ({error})"
            print(f"VERSION {name}: {version}", flush=True)

    async def install():
        # OpenCode: the server as an OpenAI-compatible provider, and shell commands set to
        # ask (its default is to allow them).
        (project / "opencode.json").write_text(json.dumps({
            "model": "local/scripted",
            "provider": {"local": {
                "npm": "@ai-sdk/openai-compatible", "name": "Scripted",
                "options": {"baseURL": f"{model.url}/v1", "apiKey": "sk-e2e"},
                "models": {"scripted": {"name": "Scripted", "tool_call": True}}}},
            "permission": {"bash": "ask"}, "autoupdate": False, "share": "disabled"}))
        for agent in ("claude", "codex", "copilot", "qwen", "opencode"):
            installed = subprocess.run([ctray, "install", agent], capture_output=True,
                                       text=True, timeout=30)
            check(f"ctray install {agent} adds its hooks", installed.returncode == 0,
                  installed.stdout + installed.stderr)

    async def claude_without_app():
        # 1. The app is not running: the hooks print nothing, each program asks in its own
        # way, and nothing hangs.
        marker = project / "claude-without-app"
        done, took = claude(marker)
        results = model.tool_results()
        check("without the app, Claude Code falls back to its own permission check and "
              f"ends (exit {done.returncode} in {took:.1f} s), the command not run",
              done.returncode == 0 and not marker.exists() and took < 60
              and any("needs approval" in r for r in results), (results, done.stderr))

    async def copilot_without_app():
        marker = project / "copilot-without-app"
        done, took = copilot(marker)
        check("without the app, Copilot CLI falls back to its own rule (no one to approve "
              f"in prompt mode) and ends (exit {done.returncode} in {took:.1f} s)",
              done.returncode == 0 and not marker.exists() and took < 60
              and any("no interactive user response" in r
                      for r in model.tool_results("/chat/completions")),
              (model.tool_results("/chat/completions"), done.stdout[-300:]))

    async def codex_trust_hooks():
        marker = project / "codex-without-app"
        model.command = f"touch {marker}"
        # Started bare, as a person would, then asked: with the prompt on its command line
        # Codex starts the turn before its review of the hooks, which the approval prompt
        # then covers.
        tmux.start(project, str(codex_bin))
        review = await eventually(lambda: "Hooks need review" in tmux.screen(), timeout=60)
        check("Codex asks the person to review the new hooks first", bool(review),
              tmux.screen())
        # "Trust all and continue": the person's choice in Codex. Enter only once the choice
        # is selected on screen (a key sent while Codex still draws its review is lost).
        def trust_all_selected():
            if "› 2. Trust all and continue" in tmux.screen():
                return True
            tmux.keys("2")  # again, while a press made as Codex drew is lost
            return False
        if await eventually(trust_all_selected, timeout=15, interval=1.0):
            tmux.keys("Enter")
        trusted = await eventually(lambda: len(codex_trusted_hooks(codex_home)) >= 7,
                                   timeout=20)
        check("Codex records the person's trust in ctray's 7 hooks", bool(trusted),
              f"{codex_trusted_hooks(codex_home)}\n{tmux.screen()}")
        tmux.type_line("Create the marker file")
        own = await eventually(lambda: "Would you like to run the following command?"
                               in tmux.screen(), timeout=60)
        check("without the app, Codex shows its own approval prompt with the command",
              bool(own) and f"touch {marker}" in tmux.screen(), tmux.screen())
        tmux.keys("Escape")
        await asyncio.sleep(1)
        check("... and declining there leaves the command unrun", not marker.exists())
        tmux.keys("C-c")
        await eventually(lambda: "EXITED=" in tmux.screen(), timeout=20)
        tmux.stop()

    async def qwen_without_app():
        await own_prompt_without_app(qwen_tmux, "Qwen Code", qwen_command, "qwen",
                                     "Allow execution of")

    async def opencode_without_app():
        await own_prompt_without_app(opencode_tmux, "OpenCode", str(opencode_bin), "opencode",
                                     "Permission required")

    async def app_up():
        nonlocal desktop, driver, session, item
        # The app starts; the popover is pinned open for WebDriver.
        desktop = await Desktop.start()
        driver, wrapper = start_driver(home, out, app, "app-real-agents.log")
        await loop.run_in_executor(pool, Session.wait_for_server, DRIVER)
        session_future = loop.run_in_executor(pool, Session.create, DRIVER, str(wrapper),
                                              ["--pin-popover"])
        item = await desktop.wait_for_item()
        check("the app is up with its tray item", item is not None)
        # The WebDriver session begins once there is a page: the popover, opened by a click.
        await item.activate()
        session = await asyncio.wait_for(session_future, timeout=120)
        answering = await eventually(lambda: subprocess.run(
            [ctray, "agents"], capture_output=True, timeout=10).returncode == 0, timeout=30)
        check("the app is up and its local API answers", bool(answering))

    async def claude_approve():
        # 2. Claude Code: approve in the popover → the command runs.
        marker = project / "claude-approved"
        command = f"touch {marker}"
        pending = loop.run_in_executor(pool, claude, marker)
        card = await loop.run_in_executor(pool, card_with_command, session, command)
        shown_at = time.monotonic()
        check("Claude Code's real permission request is a card with the real command",
              card is not None, command)
        if model.tool_calls:
            figures.append(("Claude Code: tool call → card", shown_at - model.tool_calls[-1][0]))
        working = agent_named(socket_path, "Claude Code")
        check("while it waits, its agent is shown waiting for the person",
              working is not None and working["state"] == "waiting-for-approval",
              working)
        await loop.run_in_executor(pool, session.screenshot, str(out / "popover-real-claude.png"))
        clicked = time.monotonic()
        approve_on_card(card)
        ran = await eventually(marker.exists, timeout=60, interval=0.02)
        figures.append(("Claude Code: Approve click → command ran", time.monotonic() - clicked))
        done, _ = await pending
        check("approved in the popover, Claude Code runs the command and exits 0",
              bool(ran) and done.returncode == 0, (done.returncode, done.stderr[-500:]))
        state = await eventually(lambda: (agent_named(socket_path, "Claude Code") or {})
                                 .get("state") == "done", timeout=20)
        check("when its turn ends, its agent is shown done", bool(state),
              agent_named(socket_path, "Claude Code"))

    async def claude_remember():
        # 2b. Claude Code's own "always allow": its suggestions are choices on the card; the
        # one picked goes back to it, and it runs the command.
        marker = project / "claude-remembered"
        command = f"touch {marker}"
        pending = loop.run_in_executor(pool, claude, marker)
        card = await loop.run_in_executor(pool, card_with_command, session, command)
        offered = [c.text() for c in card.find_all("button.remember-choice")] if card else []
        check("Claude Code's own suggestions are offered on the card as readable choices",
              offered == [f"Allow access to {project} for this session",
                          "Switch to accept-edits mode for this session"], offered)
        await loop.run_in_executor(pool, session.screenshot,
                                   str(out / "popover-real-claude-remember.png"))
        request_id = card.attribute("data-request-id") if card else None
        if len(offered) == 2:
            card.find_all("button.remember-choice")[1].click()
        elif card is not None:
            approve_on_card(card)  # so the program is not left waiting
        ran = await eventually(marker.exists, timeout=60, interval=0.02)
        done, _ = await pending
        check("picking one approves: Claude Code takes the answer with its permission "
              "update, runs the command and exits 0", bool(ran) and done.returncode == 0,
              (done.returncode, done.stderr[-500:]))
        db = home / "data" / "dev.converge.tray" / "inbox.db"
        remembered = await eventually(lambda: remembered_in_audit(db, request_id))
        check("the audit log records the approval with what Claude Code was let remember",
              remembered == ("approved", "popover",
                             "Switch to accept-edits mode for this session"), remembered)

    async def claude_deny():
        # 3. Claude Code: deny with a reason → not run, and the model hears the reason.
        marker = project / "claude-denied"
        command = f"touch {marker}"
        pending = loop.run_in_executor(pool, claude, marker)
        card = await loop.run_in_executor(pool, card_with_command, session, command)
        check("a second request from Claude Code is a card too", card is not None)
        await loop.run_in_executor(pool, deny_with_reason, session, card,
                                   "use the Makefile target instead")
        done, _ = await pending
        results = model.tool_results()
        check("denied with a reason, Claude Code does not run the command and tells the "
              "model the reason", not marker.exists() and done.returncode == 0
              and any("use the Makefile target instead" in r for r in results),
              (results[-1:], done.returncode))

    async def claude_question():
        # 3a. Claude Code, interactive (its `-p` offers no AskUserQuestion): a question
        # answered in the popover reaches the model as the chosen option.
        model.tool_call = ASK_QUESTION
        claude_tmux.start(project, str(claude_bin))
        claude_tmux.type_line("Pick a database", timeout=60)
        card = await loop.run_in_executor(pool, card_for, session, f"Asks: {QUESTION}", 30)
        shown = card.text() if card else ""
        check("Claude Code's question is a card with the question and its options, and "
              "no Approve", card is not None and QUESTION in shown and "SQLite" in shown
              and "One file, no server" in shown and not card.find_all("button.approve"),
              shown or claude_tmux.screen())
        # Claude Code asks in its terminal too, a moment after its hook (2.1.328): the
        # person may answer in either place, and the first answer counts.
        both = await eventually(lambda: "Type something" in claude_tmux.screen(), timeout=10)
        check("Claude Code also shows its own question while the tray has it: either "
              "place can answer", bool(both), claude_tmux.screen())
        if card:
            option = next(o for o in card.find_all("label.option") if "SQLite" in o.text())
            option.click()
            await loop.run_in_executor(pool, session.screenshot,
                                       str(out / "popover-real-claude-question.png"))
            card.find("button.answer").click()
        answered = await eventually(lambda: any(
            f'"{QUESTION}"="SQLite"' in r for r in model.tool_results()), timeout=30)
        check("answered in the popover, the model hears the chosen option",
              bool(answered), (model.tool_results()[-1:], claude_tmux.screen()))
        shown_answer = await eventually(lambda: f"{QUESTION} → SQLite" in claude_tmux.screen()
                                        and "Type something" not in claude_tmux.screen(),
                                        timeout=10)
        check("... and Claude Code shows the answer as the person's, its own question "
              "gone", bool(shown_answer), claude_tmux.screen())

    async def claude_question_in_terminal():
        # 3a″. Asked again and answered in Claude Code's own terminal: the card goes.
        claude_tmux.type_line("Pick a database once more", timeout=60)
        card = await loop.run_in_executor(pool, card_for, session, f"Asks: {QUESTION}", 30)
        card_id = card.attribute("data-request-id") if card else None
        await eventually(lambda: "Type something" in claude_tmux.screen(), timeout=10)

        def answered_in_terminal():
            return any(f'"{QUESTION}"="PostgreSQL"' in r for r in model.tool_results())
        # Its first option, PostgreSQL; a key pressed while the dialog is still being drawn
        # is lost, so Enter again while it stays.
        for _ in range(5):
            await asyncio.sleep(1)
            if "Type something" not in claude_tmux.screen() or answered_in_terminal():
                break
            claude_tmux.keys("Enter")
        heard = await eventually(answered_in_terminal, timeout=30)
        gone = await eventually(lambda: not session.find_all(
            f"li.card[data-request-id='{card_id}']"), timeout=15)
        check("answered in Claude Code's own terminal instead, the model hears it and the "
              "card leaves the tray", card_id is not None and bool(heard) and bool(gone),
              (model.tool_results()[-1:], claude_tmux.screen()))

    async def claude_question_notification():
        # The scripted model may ask again after an answer it reads as not yet given: that
        # question is dismissed, so the next prompt is typed at the prompt.
        await asyncio.sleep(2)
        if "Type something" in claude_tmux.screen():
            claude_tmux.keys("Escape")
            await asyncio.sleep(1)

        # 3a‴. Another question: the notification shows it whole with a button per option,
        # and its Memcached button answers.
        model.tool_call = ASK_CACHE
        notes = desktop.notifications
        shown_before = len(notes.shown)
        claude_tmux.type_line("Pick a cache", timeout=60)
        note = await eventually(lambda: [n for n in notes.shown[shown_before:]
                                         if n["summary"].startswith("Question")], timeout=30)
        buttons = note[0]["actions"] if note else {}
        check("the question's notification shows it whole with a button per option",
              bool(note) and CACHE_QUESTION in note[0]["body"]
              and "Shared, survives restarts" in note[0]["body"]
              and [label for action, label in buttons.items() if action != "default"]
              == ["Redis", "Memcached", "Open"],
              note or notes.shown[shown_before:])
        if note:
            chosen = next(action for action, label in buttons.items() if label == "Memcached")
            notes.click(note[0]["id"], chosen)
        answered = await eventually(lambda: any(
            f'"{CACHE_QUESTION}"="Memcached"' in r for r in model.tool_results()), timeout=30)
        check("answered by the notification's option button, the model hears that option",
              bool(answered), (model.tool_results()[-1:], claude_tmux.screen()))

        claude_tmux.keys("C-c", "C-c")
        await eventually(lambda: "EXITED=" in claude_tmux.screen(), timeout=20)
        claude_tmux.stop()

    async def claude_plan():
        # 3a'. Claude Code in plan mode: the plan, sent back with feedback, reaches the model
        # as that feedback; approved, Claude Code leaves plan mode. (Its ExitPlanMode is
        # offered at once without tool search; the server writes the plan where Claude Code
        # says, as the model would.)
        model.tool_call = ("ExitPlanMode", {})
        model.plan = PLAN
        claude_tmux.start(project, f"env ENABLE_TOOL_SEARCH=false {claude_bin} "
                                   "--permission-mode plan")
        claude_tmux.type_line("Plan the cache", timeout=60)
        card = await loop.run_in_executor(pool, card_for, session, "Plan: Add a cache …", 30)
        plan_box = card.find_all(".plan") if card else []
        check("Claude Code's plan is a card with the plan rendered (heading, list, code)",
              bool(plan_box) and plan_box[0].find_all("h4")
              and len(plan_box[0].find_all("ol li")) == 2
              and plan_box[0].find("code").text() == "config.toml",
              card.text() if card else claude_tmux.screen())
        if card:
            await loop.run_in_executor(pool, session.screenshot,
                                       str(out / "popover-real-claude-plan.png"))
            # The card is taller than the popover: its buttons are scrolled to, as a person
            # scrolls to them.
            session.execute("document.querySelector('li.card[data-request-id] button.deny')"
                            ".scrollIntoView({block: 'center'})")
            await asyncio.sleep(0.3)
            card.find("button.deny").click()
            field = await loop.run_in_executor(pool, lambda: session.wait_for("input.reason"))
            field[0].type("cache only the parsed config\ue007")
        heard = await eventually(lambda: any(
            "cache only the parsed config" in r and "keep planning" in r
            for r in model.tool_results()), timeout=30)
        # The model hears it a moment before Claude Code redraws its screen (CI saw the old
        # plan dialog still drawn when the model had the feedback).
        planning = heard and await eventually(
            lambda: "plan mode on" in claude_tmux.screen(), timeout=15)
        check("sent back with feedback, the model hears it and Claude Code keeps planning",
              bool(heard) and bool(planning),
              (model.tool_results()[-1:], claude_tmux.screen()))
        claude_tmux.type_line("Plan it again", timeout=30)
        card = await loop.run_in_executor(pool, card_for, session, "Plan: Add a cache …", 30)
        if card:
            session.execute("document.querySelector('li.card[data-request-id] button.approve')"
                            ".scrollIntoView({block: 'center'})")
            await asyncio.sleep(0.3)
            approve_on_card(card)
            await asyncio.sleep(0.5)
            await loop.run_in_executor(pool, session.screenshot,
                                       str(out / "popover-real-claude-plan-approved.png"))
        approved = await eventually(lambda: any(
            "approved your plan" in r for r in model.tool_results()), timeout=30)
        check("approved in the popover, Claude Code leaves plan mode and the model hears it",
              bool(approved) and "plan mode on" not in claude_tmux.screen(),
              (model.tool_results()[-1:], claude_tmux.screen()[-600:],
               api_call(socket_path, "approvals.pending"),
               [(path, [(m.get("role"), json.dumps(m.get("content"))[:300])
                        for m in (body.get("messages") or [])[-3:]])
                for path, body in model.requests[-2:]]))
        model.tool_call = model.plan = None
        claude_tmux.keys("C-c", "C-c")
        await eventually(lambda: "EXITED=" in claude_tmux.screen(), timeout=20)
        claude_tmux.stop()

    async def copilot_approve_deny():
        # 3b. Copilot CLI: approve, then deny with a reason.
        marker = project / "copilot-approved"
        command = f"touch {marker}"
        pending = loop.run_in_executor(pool, copilot, marker)
        card = await loop.run_in_executor(pool, card_with_command, session, command)
        shown_at = time.monotonic()
        check("Copilot CLI's real permission request is a card with the real command",
              card is not None, command)
        figures.append(("Copilot CLI: tool call → card", shown_at - model.tool_calls[-1][0]))
        await loop.run_in_executor(pool, session.screenshot,
                                   str(out / "popover-real-copilot.png"))
        clicked = time.monotonic()
        approve_on_card(card)
        ran = await eventually(marker.exists, timeout=60, interval=0.02)
        figures.append(("Copilot CLI: Approve click → command ran", time.monotonic() - clicked))
        done, _ = await pending
        check("approved in the popover, Copilot CLI runs the command and exits 0",
              bool(ran) and done.returncode == 0, (done.returncode, done.stderr[-500:]))
        state = await eventually(lambda: (agent_named(socket_path, "Copilot CLI") or {})
                                 .get("state") == "done", timeout=20)
        check("when its session ends, the Copilot CLI agent is shown done", bool(state),
              agent_named(socket_path, "Copilot CLI"))
        marker = project / "copilot-denied"
        command = f"touch {marker}"
        pending = loop.run_in_executor(pool, copilot, marker)
        card = await loop.run_in_executor(pool, card_with_command, session, command)
        await loop.run_in_executor(pool, deny_with_reason, session, card,
                                   "ask in the team channel first")
        done, _ = await pending
        results = model.tool_results("/chat/completions")
        check("denied with a reason, Copilot CLI does not run the command and tells the "
              "model the reason", not marker.exists() and done.returncode == 0
              and any("ask in the team channel first" in r for r in results),
              (results[-1:], done.returncode))

    async def qwen_approve_deny():
        # 3c. Qwen Code and OpenCode's TUI (through ctray's plugin), each in one session:
        # approve, then deny with a reason. OpenCode keeps its own card on screen meanwhile.
        await approve_then_deny(qwen_tmux, "Qwen Code", qwen_command, "qwen",
                                "Allow execution of", "not on Fridays")

    async def opencode_approve_deny():
        await approve_then_deny(opencode_tmux, "OpenCode", str(opencode_bin), "opencode",
                                None, "use the fixture")

    async def opencode_question():
        # 3d. OpenCode's own question tool: answered in the popover, the model hears it.
        model.tool_call = ("question", {"questions": [{
            "question": QUESTION, "header": "Database",
            "options": [{"label": "PostgreSQL", "description": "Relational, the team knows it"},
                        {"label": "SQLite", "description": "One file, no server"}]}]})
        opencode_tmux.start(project, str(opencode_bin))
        opencode_tmux.type_line("Pick a database", timeout=60)
        card = await loop.run_in_executor(pool, card_for, session, f"Asks: {QUESTION}", 30)
        shown = card.text() if card else ""
        check("OpenCode's question is a card with the question and its options",
              card is not None and "One file, no server" in shown
              and not card.find_all("button.approve"), shown or opencode_tmux.screen())
        if card:
            next(o for o in card.find_all("label.option") if "SQLite" in o.text()).click()
            card.find("button.answer").click()
        heard = await eventually(lambda: any(
            f'"{QUESTION}"="SQLite"' in r for r in model.tool_results("/chat/completions")),
            timeout=30)
        check("answered in the popover, OpenCode's model hears the chosen option",
              bool(heard), (model.tool_results("/chat/completions")[-1:],
                            opencode_tmux.screen()))
        model.tool_call = None
        opencode_tmux.stop()

    async def codex_approve_deny():
        # 4. Codex, interactive: approve in the popover → the command runs.
        marker = project / "codex-approved"
        command = f"touch {marker}"
        model.command = command
        # Whichever comes first: its composer, or the hooks' review asked again.
        def codex_shows_something():
            return any(text in tmux.screen() for text in (CODEX_READY, "Hooks need review"))
        tmux.start(project, str(codex_bin))
        started = await eventually(codex_shows_something, timeout=60)
        if not started:
            # Codex itself stuck in its start (seen once on CI, its screen cut off): started
            # again once, with what it showed and logged kept for whoever looks next.
            print("NOTE Codex showed neither its composer nor a hooks review within 60 s; "
                  f"started again. Its screen:\n{tmux.screen()}\nIts log:\n"
                  f"{codex_log(codex_home)}", flush=True)
            tmux.keys("C-c", "C-c")
            await eventually(lambda: "EXITED=" in tmux.screen(), timeout=20)
            tmux.stop()
            await asyncio.sleep(1)
            tmux.start(project, str(codex_bin))
            started = await eventually(codex_shows_something, timeout=60)
        if started and "Hooks need review" not in tmux.screen():
            # Codex draws its composer first and asks for the review about 2 s later.
            await eventually(lambda: "Hooks need review" in tmux.screen(), timeout=6)
        check("Codex starts with the trusted hooks, no review asked again",
              bool(started) and "Hooks need review" not in tmux.screen(),
              f"{tmux.screen()}\n{codex_trusted_hooks(codex_home)}\n"
              f"{codex_log(codex_home)}")
        tmux.type_line("Create the marker file")
        card = await loop.run_in_executor(pool, card_with_command, session, command)
        shown_at = time.monotonic()
        check("Codex's real permission request is a card with the real command and the "
              "model's reason", card is not None
              and "Create the marker file" in card.text(), card and card.text()
              or f"{tmux.screen()}\n{codex_log(codex_home)}")
        figures.append(("Codex: tool call → card", shown_at - model.tool_calls[-1][0]))
        check("Codex does not show its own prompt while the tray has the question",
              "Would you like to run" not in tmux.screen(), tmux.screen())
        await loop.run_in_executor(pool, session.screenshot, str(out / "popover-real-codex.png"))
        clicked = time.monotonic()
        approve_on_card(card)
        ran = await eventually(marker.exists, timeout=60, interval=0.02)
        figures.append(("Codex: Approve click → command ran", time.monotonic() - clicked))
        check("approved in the popover, Codex runs the command", bool(ran), tmux.screen())
        state = await eventually(lambda: (agent_named(socket_path, "Codex") or {})
                                 .get("state") == "done", timeout=30)
        check("when its turn ends, the Codex agent is shown done", bool(state),
              agent_named(socket_path, "Codex"))

        # 5. Codex, the same session: deny with a reason.
        marker = project / "codex-denied"
        command = f"touch {marker}"
        model.command = command
        tmux.type_line("Create another marker file")
        card = await loop.run_in_executor(pool, card_with_command, session, command)
        check("the next request in the same Codex session is a card", card is not None,
              tmux.screen())
        await loop.run_in_executor(pool, deny_with_reason, session, card,
                                   "not in this repository")
        told = await eventually(lambda: any("not in this repository" in r
                                            for r in model.tool_results("/responses")),
                                timeout=30)
        check("denied with a reason, Codex does not run it and tells the model the reason",
              bool(told) and not marker.exists(), model.tool_results("/responses")[-1:])
        codex_agents = [a for a in api_call(socket_path, "agents.list")["result"]
                        if a["name"].startswith("Codex")]
        check("one Codex session is one agent in the tray", len(codex_agents) == 1,
              codex_agents)
        # At an empty prompt one Ctrl+C quits; if Codex still counts a task as running (its
        # title thread, say), it asks, and "Exit" is the person's answer.
        await eventually(lambda: CODEX_READY in tmux.screen(), timeout=20)
        tmux.keys("C-c")
        if await eventually(lambda: "Task is still running" in tmux.screen(), timeout=3):
            tmux.keys("3", "Enter")
        exited = await eventually(lambda: "EXITED=0" in tmux.screen(), timeout=20)
        check("Codex quits normally afterwards (exit 0)", bool(exited), tmux.screen())

    async def window_timeline():
        # 6. The full window: Codex's timeline shows its real tool call, asked and approved;
        # a Claude Code session shows the tokens its transcript counted.
        codex_agent = agent_named(socket_path, "Codex") or {}
        claude_agent = next((a for a in api_call(socket_path, "agents.list").get("result") or []
                             if a["name"].startswith("Claude Code") and a.get("usage")), {})
        await item.click_menu("Open full window")
        await loop.run_in_executor(pool, lambda: session.switch_to_page("window.html"))
        # The page may still be drawing its tabs when WebDriver first sees it.
        tab = await eventually(lambda: [t for t in session.find_all('button[role="tab"]')
                                        if t.text() == "Agents"], timeout=20)
        check("the full window opens with its Agents tab", bool(tab))
        tab[0].click()

        def timeline_of(agent_id):
            rows = session.find_all(f"button[data-agent-id='{agent_id}']")
            if not rows:
                return []
            rows[0].click()
            return [(e.attribute("data-kind"), e.text())
                    for e in session.find_all("ol.timeline li.timeline-entry")]
        entries = await eventually(lambda: [e for e in timeline_of(codex_agent.get("id"))
                                            if "touch" in e[1]], timeout=15)
        kinds = {kind for kind, _ in entries or []}
        check("Codex's timeline shows its real tool call: asked, approved, run",
              {"asked", "resolved", "reported"} <= kinds
              and any(k == "reported" and "Ran" in t for k, t in entries), entries)
        await loop.run_in_executor(pool, session.screenshot,
                                   str(out / "window-real-codex-timeline.png"))
        usage = await eventually(lambda: timeline_of(claude_agent.get("id")) is not None and [
            u.text() for u in session.find_all(".agent-usage") if "Tokens" in u.text()],
            timeout=10)
        check("a Claude Code session shows the tokens its own transcript counted",
              bool(usage) and bool(claude_agent), (usage, claude_agent.get("usage")))

    try:
        cases.add("programs", programs)
        cases.add("install", install, needs=["programs"])
        cases.add("claude:without-app", claude_without_app, needs=["install"])
        cases.add("copilot:without-app", copilot_without_app, needs=["install"])
        cases.add("codex:trust-hooks", codex_trust_hooks, needs=["install"])
        cases.add("qwen:without-app", qwen_without_app, needs=["install"])
        cases.add("opencode:without-app", opencode_without_app, needs=["install"])
        cases.add("app", app_up)
        cases.add("claude:approve", claude_approve, needs=["install", "app"])
        cases.add("claude:remember", claude_remember, needs=["install", "app"])
        cases.add("claude:deny", claude_deny, needs=["install", "app"])
        cases.add("claude:question", claude_question, needs=["install", "app"])
        # The same Claude Code session as the question before, still open.
        cases.add("claude:question-in-terminal", claude_question_in_terminal,
                  needs=["install", "app", "claude:question"])
        cases.add("claude:question-notification", claude_question_notification,
                  needs=["install", "app", "claude:question"])
        cases.add("claude:plan", claude_plan, needs=["install", "app"])
        cases.add("copilot:approve-deny", copilot_approve_deny, needs=["install", "app"])
        cases.add("qwen:approve-deny", qwen_approve_deny, needs=["install", "app"])
        cases.add("opencode:approve-deny", opencode_approve_deny, needs=["install", "app"])
        cases.add("opencode:question", opencode_question, needs=["install", "app"])
        # Codex asks no review of its hooks again once the person trusted them.
        cases.add("codex:approve-deny", codex_approve_deny,
                  needs=["install", "app", "codex:trust-hooks"])
        # The timeline of that Codex session, and the tokens of a Claude Code one.
        cases.add("window:timeline", window_timeline,
                  needs=["app", "codex:approve-deny", "claude:approve"])
        await cases.run_all()
        for name, seconds in figures:
            print(f"FIGURE {name}: {seconds * 1000:.0f} ms", flush=True)
    finally:
        tmux.stop()
        claude_tmux.stop()
        qwen_tmux.stop()
        opencode_tmux.stop()
        # Codex leaves its app-server daemon running; it is ours, under this home.
        subprocess.run(["pkill", "-f", str(codex_home)], capture_output=True)
        model.stop()
        if driver is not None:
            await stop_driven_app(loop, pool, session, driver, desktop, home)
        else:
            if desktop is not None:
                desktop.stop()
            shutil.rmtree(home, ignore_errors=True)
    return run.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3:])))
