"""A scripted model server on 127.0.0.1 for driving the real agent programs offline.

It speaks the four wire formats the agents use, streamed as each expects:
- Anthropic Messages (`POST /v1/messages`, Claude Code),
- OpenAI Responses (`POST /v1/responses`, Codex),
- OpenAI Chat Completions (`POST /v1/chat/completions`, Copilot CLI and others),
- Gemini (`POST /v1beta/models/M:streamGenerateContent`, Gemini CLI).

The script is one tool call a turn: a request that offers a shell tool and does not end
with a tool's result is answered with one call of that tool running `command`; once the
tool's result (or its refusal) comes back, the turn ends with a short text. Any other request (titles, summaries,
safety checks) gets a short text. Every request body is kept in `requests`, so a test can
read what the agent sent back to the model (a denial's reason, for instance).

usage (by hand): model_server.py 'touch /tmp/marker'   prints the port, serves until ^C
"""
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# The shell tools each agent offers, by the name the model calls it.
SHELL_TOOLS = ("Bash", "shell", "shell_command", "exec_command", "bash", "run_shell_command",
               "Execute", "run_commands")
DONE_TEXT = "Done."


class ModelServer:
    def __init__(self, command: str):
        self.command = command
        # More fields the model puts into its shell call's input (an attacker's, say).
        self.extra_input = {}
        # Instead of the shell: (tool name, input) to call where the agent offers that tool
        # (Claude Code's AskUserQuestion, its ExitPlanMode), or None.
        self.tool_call = None
        # For ExitPlanMode: the plan, written where Claude Code's plan mode says the model
        # must write it (as the model would, with its Write tool) before the call.
        self.plan = None
        self.requests = []  # (path, body) of every request, in order
        self.tool_calls = []  # (time.monotonic(), path) of every tool call answered
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                # Model lists and health probes: an empty, valid answer.
                body = json.dumps({"data": [], "object": "list", "models": []}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                path = self.path.split("?")[0]
                with server._lock:
                    server.requests.append((path, body))
                if path.endswith("/messages"):
                    events = server._anthropic(body)
                elif path.endswith("/responses"):
                    events = server._responses(body)
                elif path.endswith("/chat/completions"):
                    events = server._chat(body)
                elif ":streamGenerateContent" in path or ":generateContent" in path:
                    events = server._gemini(body, stream=":streamGenerateContent" in path)
                elif ":countTokens" in path:
                    events = False, {"totalTokens": 10}
                else:
                    events = None
                if events is None:
                    self.send_response(404)
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                stream, payload = events
                if not stream:
                    data = json.dumps(payload).encode()
                    self.send_response(200)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("cache-control", "no-cache")
                self.send_header("connection", "close")
                self.end_headers()
                for name, data in payload:
                    chunk = (f"event: {name}\n" if name else "") + f"data: {data}\n\n"
                    self.wfile.write(chunk.encode())
                    self.wfile.flush()
                self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def _called(self, path):
        with self._lock:
            self.tool_calls.append((time.monotonic(), path))

    # --- Anthropic Messages -------------------------------------------------------------

    def tool_results(self, path_suffix="/messages"):
        """The tool results the agent sent back to the model, as text, oldest first."""
        found = []
        with self._lock:
            requests = list(self.requests)
        for path, body in requests:
            if not path.endswith(path_suffix):
                continue
            for text in _tool_result_texts(body):
                if text not in found:
                    found.append(text)
        return found

    def _shell_input(self, tool):
        """The shell tool's input, with the fields its agent requires (Droid's Execute
        refuses a call without its risk; Cline's run_commands takes a list)."""
        if tool == "run_commands":
            shell_input = {"commands": [self.command]}
        elif tool == "Execute":
            shell_input = {"summary": "Create the marker file", "command": self.command,
                           "riskLevelReason": "This touch command creates one scratch file.",
                           "riskLevel": "medium"}
        else:
            shell_input = {"command": self.command, "description": "Create the marker file"}
        return {**shell_input, **self.extra_input}

    def _anthropic(self, body):
        tools = [t.get("name") for t in body.get("tools") or []]
        shell = next((t for t in tools if t in SHELL_TOOLS), None)
        special = self.tool_call if self.tool_call and self.tool_call[0] in tools else None
        if special and special[0] == "ExitPlanMode" and self.plan is not None:
            found = re.search(r"create your plan at (\S+?\.md)", json.dumps(body))
            if found:
                plan_file = Path(found.group(1))
                plan_file.parent.mkdir(parents=True, exist_ok=True)
                plan_file.write_text(self.plan)
        # Claude Code may end with a message of its own (role system: "Exited Plan Mode").
        messages = [m for m in body.get("messages") or []
                    if not (isinstance(m, dict) and m.get("role") == "system")] or [{}]
        # The tool's result came back, and the person said nothing new with it: Claude Code
        # sends a refused call's result together with the person's next prompt.
        answered = bool(_tool_result_texts({"messages": messages[-1:]})) and not any(
            isinstance(block, dict) and block.get("type") == "text"
            and not block.get("text", "").lstrip().startswith("<system-reminder>")
            for block in (messages[-1].get("content") if isinstance(messages[-1], dict)
                          and isinstance(messages[-1].get("content"), list) else []))
        model = body.get("model", "claude-test")
        start = {"type": "message_start", "message": {
            "id": "msg_scripted", "type": "message", "role": "assistant", "model": model,
            "content": [], "stop_reason": None, "stop_sequence": None,
            "usage": {"input_tokens": 10, "output_tokens": 1}}}
        if (special or shell) and not answered:
            self._called("/messages")
            name, tool_input = special or (shell, self._shell_input(shell))
            arguments = json.dumps(tool_input)
            # Each call an id of its own: Claude Code pairs each result with its call.
            call_id = f"toolu_scripted_{len(self.tool_calls)}"
            block = {"type": "tool_use", "id": call_id, "name": name, "input": {}}
            delta = {"type": "input_json_delta", "partial_json": arguments}
            stop = "tool_use"
            content = [dict(block, input=json.loads(arguments))]
        else:
            block = {"type": "text", "text": ""}
            delta = {"type": "text_delta", "text": DONE_TEXT}
            stop = "end_turn"
            content = [{"type": "text", "text": DONE_TEXT}]
        if not body.get("stream"):
            return False, dict(start["message"], content=content, stop_reason=stop)
        events = [
            ("message_start", start),
            ("content_block_start", {"type": "content_block_start", "index": 0,
                                     "content_block": block}),
            ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}),
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            ("message_delta", {"type": "message_delta",
                               "delta": {"stop_reason": stop, "stop_sequence": None},
                               "usage": {"output_tokens": 5}}),
            ("message_stop", {"type": "message_stop"}),
        ]
        return True, [(n, json.dumps(d)) for n, d in events]

    # --- OpenAI Responses -----------------------------------------------------------------

    def _responses(self, body):
        tools = [t.get("name") for t in body.get("tools") or [] if isinstance(t, dict)]
        shell = next((t for t in SHELL_TOOLS if t in tools), None)
        items = body.get("input") or [{}]
        answered = isinstance(items[-1], dict) and items[-1].get("type") in (
            "function_call_output", "custom_tool_call_output")
        if shell and not answered:
            self._called("/responses")
            if shell == "shell":
                arguments = {"command": ["bash", "-lc", self.command]}
            else:
                # Codex's exec_command: the model asks to leave the sandbox, with the
                # question the person is shown (which makes Codex ask for approval).
                arguments = {"cmd": self.command, "sandbox_permissions": "require_escalated",
                             "justification": "Create the marker file"}
            item = {"type": "function_call", "id": "fc_scripted_1", "call_id": "call_scripted_1",
                    "name": shell, "arguments": json.dumps(arguments)}
        else:
            item = {"type": "message", "id": "msg_scripted", "role": "assistant",
                    "content": [{"type": "output_text", "text": DONE_TEXT, "annotations": []}]}
        usage = {"input_tokens": 10, "input_tokens_details": {"cached_tokens": 0},
                 "output_tokens": 5, "output_tokens_details": {"reasoning_tokens": 0},
                 "total_tokens": 15}
        events = [
            ("response.created", {"type": "response.created",
                                  "response": {"id": "resp_scripted", "status": "in_progress"}}),
            ("response.output_item.done", {"type": "response.output_item.done",
                                           "output_index": 0, "item": item}),
            ("response.completed", {"type": "response.completed",
                                    "response": {"id": "resp_scripted", "status": "completed",
                                                 "output": [item], "usage": usage}}),
        ]
        return True, [(n, json.dumps(d)) for n, d in events]

    # --- OpenAI Chat Completions ----------------------------------------------------------

    def _chat(self, body):
        tools = [(t.get("function") or {}).get("name") for t in body.get("tools") or []
                 if isinstance(t, dict)]
        shell = next((t for t in SHELL_TOOLS if t in tools), None)
        special = self.tool_call if self.tool_call and self.tool_call[0] in tools else None
        messages = body.get("messages") or [{}]
        answered = isinstance(messages[-1], dict) and (messages[-1].get("role") == "tool" or (
            # Cline sends a hook's `context` as a user message right after the tool's result.
            messages[-1].get("role") == "user" and len(messages) > 1
            and isinstance(messages[-2], dict) and messages[-2].get("role") == "tool"
            and "<hook_context" in str(messages[-1].get("content"))))
        if (special or shell) and not answered:
            self._called("/chat/completions")
            name, tool_input = special or (shell, self._shell_input(shell))
            # Each call an id of its own: the agent pairs each result with its call.
            delta = {"role": "assistant", "content": None, "tool_calls": [{
                "index": 0, "id": f"call_scripted_{len(self.tool_calls)}", "type": "function",
                "function": {"name": name, "arguments": json.dumps(tool_input)}}]}
            finish = "tool_calls"
        else:
            delta = {"role": "assistant", "content": DONE_TEXT}
            finish = "stop"
        base = {"id": "chatcmpl-scripted", "object": "chat.completion.chunk",
                "created": int(time.time()), "model": body.get("model", "gpt-test")}
        usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
        if not body.get("stream"):
            message = {k: v for k, v in delta.items() if k != "index"}
            if "tool_calls" in message:
                message["tool_calls"] = [{k: v for k, v in c.items() if k != "index"}
                                         for c in message["tool_calls"]]
            return False, dict(base, object="chat.completion", usage=usage, choices=[
                {"index": 0, "message": message, "finish_reason": finish}])
        chunks = [dict(base, choices=[{"index": 0, "delta": delta, "finish_reason": None}]),
                  dict(base, choices=[{"index": 0, "delta": {}, "finish_reason": finish}],
                       usage=usage)]
        return True, [(None, json.dumps(c)) for c in chunks] + [(None, "[DONE]")]


    def _gemini(self, body, stream):
        """Gemini's generateContent (Gemini CLI): one call of its shell tool, then text;
        its side requests that want JSON (who speaks next) get the JSON they expect."""
        tools = [d.get("name") for t in body.get("tools") or [] if isinstance(t, dict)
                 for d in t.get("functionDeclarations") or [] if isinstance(d, dict)]
        shell = next((t for t in SHELL_TOOLS if t in tools), None)
        special = self.tool_call if self.tool_call and self.tool_call[0] in tools else None
        contents = body.get("contents") or [{}]
        last = contents[-1] if isinstance(contents[-1], dict) else {}
        answered = any(isinstance(p, dict) and "functionResponse" in p
                       for p in last.get("parts") or [])
        config = body.get("generationConfig") or {}
        if (special or shell) and not answered:
            self._called("/gemini")
            name, tool_input = special or (shell, self._shell_input(shell))
            parts = [{"functionCall": {"name": name, "args": tool_input}}]
        elif config.get("responseMimeType") == "application/json":
            parts = [{"text": json.dumps({"next_speaker": "user", "reasoning": DONE_TEXT,
                                          "model_choice": "flash"})}]
        else:
            parts = [{"text": DONE_TEXT}]
        payload = {"candidates": [{"content": {"role": "model", "parts": parts},
                                   "finishReason": "STOP", "index": 0}],
                   "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5,
                                     "totalTokenCount": 15},
                   "modelVersion": "gemini-scripted"}
        if not stream:
            return False, payload
        return True, [(None, json.dumps(payload))]


def _tool_result_texts(body):
    """Texts of the tool results in a request of any of the formats."""
    texts = []
    for message in body.get("messages") or []:
        if not isinstance(message, dict):
            continue
        if message.get("role") == "tool":
            texts.append(_text(message.get("content")))
        content = message.get("content")
        if isinstance(content, list):
            for block in content:
                if isinstance(block, dict) and block.get("type") == "tool_result":
                    texts.append(_text(block.get("content")))
    for content in body.get("contents") or []:
        for part in (content.get("parts") or []) if isinstance(content, dict) else []:
            if isinstance(part, dict) and "functionResponse" in part:
                texts.append(_text((part["functionResponse"] or {}).get("response")))
    for item in body.get("input") or []:
        if isinstance(item, dict) and item.get("type") in ("function_call_output",
                                                          "custom_tool_call_output"):
            texts.append(_text(item.get("output")))
    return texts


def _text(content):
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(_text(c.get("text", c.get("content")) if isinstance(c, dict) else c)
                         for c in content)
    if isinstance(content, dict):
        # Gemini's function responses: {"output": …}, or {"error": …} when blocked.
        return _text(content.get("content", content.get("text", content.get(
            "output", content.get("error", json.dumps(content))))))
    return "" if content is None else str(content)


if __name__ == "__main__":
    server = ModelServer(sys.argv[1] if len(sys.argv) > 1 else "touch /tmp/marker").start()
    print(server.port, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
