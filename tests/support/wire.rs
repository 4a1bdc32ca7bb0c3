//! The replies of each model API the agents speak, built from the public API references: the shapes
//! the real services send, cut down to what a client needs to show one text reply. Every API answers
//! `reply` as the model's whole text, with a small fixed token usage.
//!
//! Each function gets the path below the agent's gateway prefix (`v1/messages`) and answers `None`
//! for a path it does not serve.

use super::routes::Answer;
use serde_json::{Value, json};

const INPUT_TOKENS: u64 = 12;
const OUTPUT_TOKENS: u64 = 1;

/// Server-sent events, one `(event name, data)` per event; `None` leaves out the `event:` line,
/// as Gemini and Chat Completions streams do.
fn sse(events: &[(Option<&str>, Value)]) -> String {
    let mut text = String::new();
    for (name, data) in events {
        if let Some(name) = name {
            text.push_str(&format!("event: {name}\n"));
        }
        text.push_str(&format!("data: {data}\n\n"));
    }
    text
}

fn streams(body: &Value) -> bool {
    body["stream"].as_bool() == Some(true)
}

fn model_of(body: &Value) -> String {
    body["model"]
        .as_str()
        .unwrap_or("unknown-model")
        .to_string()
}

/// Anthropic Messages API (`<base>/v1/messages`, `/v1/messages/count_tokens`, `/v1/models`).
pub fn anthropic(method: &str, api_path: &str, body: &Value, reply: &str) -> Option<Answer> {
    match (method, api_path) {
        ("POST", "v1/messages") if streams(body) => Some(Answer::event_stream(anthropic_stream(
            &model_of(body),
            reply,
        ))),
        ("POST", "v1/messages") => {
            Some(Answer::json(200, anthropic_message(&model_of(body), reply)))
        }
        ("POST", "v1/messages/count_tokens") => {
            Some(Answer::json(200, json!({"input_tokens": INPUT_TOKENS})))
        }
        ("GET", "v1/models") => Some(Answer::json(
            200,
            json!({
                "data": [{"type": "model", "id": "databricks-claude-opus-4-6",
                          "display_name": "Claude Opus 4.6", "created_at": "2026-01-01T00:00:00Z"}],
                "has_more": false,
                "first_id": "databricks-claude-opus-4-6",
                "last_id": "databricks-claude-opus-4-6",
            }),
        )),
        _ => None,
    }
}

fn anthropic_message(model: &str, reply: &str) -> Value {
    json!({
        "id": "msg_standin_1",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": reply}],
        "stop_reason": "end_turn",
        "stop_sequence": null,
        "usage": {"input_tokens": INPUT_TOKENS, "output_tokens": OUTPUT_TOKENS},
    })
}

/// The event sequence of a streamed message: the message with empty content first, then one text
/// block built from deltas, then the stop reason and final usage.
fn anthropic_stream(model: &str, reply: &str) -> String {
    let mut start = anthropic_message(model, reply);
    start["content"] = json!([]);
    start["stop_reason"] = Value::Null;
    start["usage"]["output_tokens"] = json!(0);
    sse(&[
        (
            Some("message_start"),
            json!({"type": "message_start", "message": start}),
        ),
        (
            Some("content_block_start"),
            json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        ),
        (Some("ping"), json!({"type": "ping"})),
        (
            Some("content_block_delta"),
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": reply}}),
        ),
        (
            Some("content_block_stop"),
            json!({"type": "content_block_stop", "index": 0}),
        ),
        (
            Some("message_delta"),
            json!({"type": "message_delta",
                   "delta": {"stop_reason": "end_turn", "stop_sequence": null},
                   "usage": {"output_tokens": OUTPUT_TOKENS}}),
        ),
        (Some("message_stop"), json!({"type": "message_stop"})),
    ])
}

/// OpenAI Responses API (`<base>/responses`, `<base>/models`) as the gateway serves it at `openai/v1`.
pub fn openai_responses(method: &str, api_path: &str, body: &Value, reply: &str) -> Option<Answer> {
    match (method, api_path) {
        ("POST", "v1/responses") if streams(body) => Some(Answer::event_stream(responses_stream(
            &model_of(body),
            reply,
        ))),
        ("POST", "v1/responses") => {
            let output = vec![responses_message("completed", reply)];
            Some(Answer::json(
                200,
                responses_object(&model_of(body), "completed", output),
            ))
        }
        ("GET", "v1/models") => Some(Answer::json(200, models_list("databricks-gpt-5-2"))),
        _ => None,
    }
}

/// The OpenAI list-models shape. Codex reads its own `models` array from this route and falls back
/// to built-in model facts when it is empty, so the list carries both.
fn models_list(model: &str) -> Value {
    json!({
        "object": "list",
        "data": [{"id": model, "object": "model", "created": 1767225600, "owned_by": "system"}],
        "models": [],
    })
}

const RESPONSE_ID: &str = "resp_standin_1";
const MESSAGE_ID: &str = "msg_standin_1";

fn responses_message(status: &str, text: &str) -> Value {
    let content = if status == "completed" {
        json!([{"type": "output_text", "text": text, "annotations": []}])
    } else {
        json!([])
    };
    json!({"id": MESSAGE_ID, "type": "message", "status": status, "role": "assistant", "content": content})
}

fn responses_object(model: &str, status: &str, output: Vec<Value>) -> Value {
    let usage = if status == "completed" {
        json!({
            "input_tokens": INPUT_TOKENS,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": OUTPUT_TOKENS,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": INPUT_TOKENS + OUTPUT_TOKENS,
        })
    } else {
        Value::Null
    };
    json!({
        "id": RESPONSE_ID,
        "object": "response",
        "created_at": 1767225600,
        "status": status,
        "model": model,
        "output": output,
        "usage": usage,
    })
}

/// A streamed response: created, one message item whose single text part arrives as one delta,
/// then completed with usage. Every event carries its `type` and a rising `sequence_number`.
fn responses_stream(model: &str, reply: &str) -> String {
    let part_done = json!({"type": "output_text", "text": reply, "annotations": []});
    let events: Vec<(&str, Value)> = vec![
        (
            "response.created",
            json!({"response": responses_object(model, "in_progress", vec![])}),
        ),
        (
            "response.in_progress",
            json!({"response": responses_object(model, "in_progress", vec![])}),
        ),
        (
            "response.output_item.added",
            json!({"output_index": 0, "item": responses_message("in_progress", reply)}),
        ),
        (
            "response.content_part.added",
            json!({"item_id": MESSAGE_ID, "output_index": 0, "content_index": 0,
                   "part": {"type": "output_text", "text": "", "annotations": []}}),
        ),
        (
            "response.output_text.delta",
            json!({"item_id": MESSAGE_ID, "output_index": 0, "content_index": 0, "delta": reply}),
        ),
        (
            "response.output_text.done",
            json!({"item_id": MESSAGE_ID, "output_index": 0, "content_index": 0, "text": reply}),
        ),
        (
            "response.content_part.done",
            json!({"item_id": MESSAGE_ID, "output_index": 0, "content_index": 0, "part": part_done}),
        ),
        (
            "response.output_item.done",
            json!({"output_index": 0, "item": responses_message("completed", reply)}),
        ),
        (
            "response.completed",
            json!({"response": responses_object(model, "completed", vec![responses_message("completed", reply)])}),
        ),
    ];
    let numbered: Vec<(Option<&str>, Value)> = events
        .into_iter()
        .enumerate()
        .map(|(sequence, (name, mut data))| {
            data["type"] = json!(name);
            data["sequence_number"] = json!(sequence);
            (Some(name), data)
        })
        .collect();
    sse(&numbered)
}

/// Gemini API (`<base>/v1beta/models/<model>:<method>`, `?alt=sse` for the stream).
pub fn gemini(method: &str, api_path: &str, reply: &str) -> Option<Answer> {
    let model_call = api_path.strip_prefix("v1beta/models/")?;
    match (method, model_call.rsplit_once(':')) {
        ("POST", Some((model, "streamGenerateContent"))) => Some(Answer::event_stream(sse(&[(
            None,
            gemini_response(model, reply),
        )]))),
        ("POST", Some((model, "generateContent"))) => {
            Some(Answer::json(200, gemini_response(model, reply)))
        }
        ("POST", Some((_, "countTokens"))) => {
            Some(Answer::json(200, json!({"totalTokens": INPUT_TOKENS})))
        }
        ("GET", None) => Some(Answer::json(
            200,
            json!({"name": format!("models/{model_call}"), "displayName": model_call,
                   "supportedGenerationMethods": ["generateContent", "countTokens"]}),
        )),
        _ => None,
    }
}

/// One GenerateContentResponse: a finished candidate with the whole reply, and usage. A stream of
/// one such chunk is a complete stream.
fn gemini_response(model: &str, reply: &str) -> Value {
    json!({
        "candidates": [{
            "content": {"role": "model", "parts": [{"text": reply}]},
            "finishReason": "STOP",
            "index": 0,
        }],
        "usageMetadata": {
            "promptTokenCount": INPUT_TOKENS,
            "candidatesTokenCount": OUTPUT_TOKENS,
            "totalTokenCount": INPUT_TOKENS + OUTPUT_TOKENS,
        },
        "modelVersion": model,
        "responseId": "standin-1",
    })
}

/// A prompt asking the stand-in for a turn that calls a tool: `stand-in: view <absolute path>
/// after <n> s`. See [`tool_turn`].
pub const VIEW_AFTER: &str = "stand-in: view ";

/// The first turn of a Chat Completions conversation whose last user message carries
/// [`VIEW_AFTER`] `<path> after <n> s`: a call of the `view` tool (Copilot CLI's file reader) on
/// `<path>`, answered `n` seconds late, so that the agent's next request (with the tool's
/// result, answered as usual) comes that much later in the same run: tokens that expire during
/// a run. `None` for any other request, and once the conversation holds a tool result.
fn tool_turn(body: &Value) -> Option<Answer> {
    let messages = body["messages"].as_array()?;
    if messages.iter().any(|m| m["role"] == "tool") {
        return None;
    }
    let prompt = messages.iter().rev().find(|m| m["role"] == "user")?;
    let text = match &prompt["content"] {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join(" "),
        _ => return None,
    };
    let (_, asked) = text.split_once(VIEW_AFTER)?;
    let (path, rest) = asked.split_once(" after ")?;
    let seconds: u64 = rest.split_once(" s")?.0.trim().parse().ok()?;
    let model = model_of(body);
    let call = json!({"index": 0, "id": "call_standin_1", "type": "function",
                      "function": {"name": "view", "arguments": json!({"path": path}).to_string()}});
    let chunk = |delta: Value, finish: Value| {
        json!({"id": "chatcmpl-standin-tool", "object": "chat.completion.chunk", "created": 1767225600,
               "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
    };
    let mut answer = if streams(body) {
        let mut stream = sse(&[
            (
                None,
                chunk(
                    json!({"role": "assistant", "content": null, "tool_calls": [call]}),
                    Value::Null,
                ),
            ),
            (None, chunk(json!({}), json!("tool_calls"))),
        ]);
        stream.push_str("data: [DONE]\n\n");
        Answer::event_stream(stream)
    } else {
        Answer::json(
            200,
            json!({"id": "chatcmpl-standin-tool", "object": "chat.completion", "created": 1767225600,
                   "model": model, "choices": [{"index": 0, "finish_reason": "tool_calls",
                   "message": {"role": "assistant", "content": null, "tool_calls": [call]}}],
                   "usage": {"prompt_tokens": INPUT_TOKENS, "completion_tokens": OUTPUT_TOKENS,
                             "total_tokens": INPUT_TOKENS + OUTPUT_TOKENS}}),
        )
    };
    answer.delay = std::time::Duration::from_secs(seconds);
    Some(answer)
}

/// OpenAI Chat Completions (`<base>/chat/completions`, `<base>/models`), Cursor's and Copilot
/// CLI's wire format.
pub fn openai_chat(method: &str, api_path: &str, body: &Value, reply: &str) -> Option<Answer> {
    let model = model_of(body);
    if (method, api_path) == ("POST", "v1/chat/completions")
        && let Some(answer) = tool_turn(body)
    {
        return Some(answer);
    }
    match (method, api_path) {
        ("POST", "v1/chat/completions") if streams(body) => {
            let chunk = |delta: Value, finish: Value| {
                json!({"id": "chatcmpl-standin-1", "object": "chat.completion.chunk", "created": 1767225600,
                       "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
            };
            let mut stream = sse(&[
                (
                    None,
                    chunk(json!({"role": "assistant", "content": reply}), Value::Null),
                ),
                (None, chunk(json!({}), json!("stop"))),
            ]);
            stream.push_str("data: [DONE]\n\n");
            Some(Answer::event_stream(stream))
        }
        ("POST", "v1/chat/completions") => Some(Answer::json(
            200,
            json!({
                "id": "chatcmpl-standin-1",
                "object": "chat.completion",
                "created": 1767225600,
                "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": INPUT_TOKENS, "completion_tokens": OUTPUT_TOKENS,
                          "total_tokens": INPUT_TOKENS + OUTPUT_TOKENS},
            }),
        )),
        ("GET", "v1/models") => Some(Answer::json(200, models_list("databricks-gpt-5-2"))),
        _ => None,
    }
}
