//! The stand-in gateway on its own, no agent needed (these run everywhere, CI included): the token
//! check in front of every route, and the shape of each streamed reply, so an agent failure points at
//! the agent and not at the stand-in.

use crate::support::{FORBIDDEN_TOKEN, GOOD_TOKEN, Gateway, otlp};
use serde_json::{Value, json};

struct Reply {
    status: u16,
    content_type: String,
    body: String,
}

fn send(method: &str, url: &str, headers: &[(&str, &str)], body: Option<Value>) -> Reply {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let result = match body {
        Some(body) => {
            let mut request = agent.post(url);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            request
                .content_type("application/json")
                .send(body.to_string())
        }
        None => {
            let mut request = match method {
                "GET" => agent.get(url),
                _ => panic!("unsupported method {method}"),
            };
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            request.call()
        }
    };
    let mut response = result.expect("the stand-in answers");
    Reply {
        status: response.status().as_u16(),
        content_type: response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
        body: response.body_mut().read_to_string().unwrap_or_default(),
    }
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// The `(event, data)` pairs of a server-sent-events body.
fn events(body: &str) -> Vec<(Option<String>, Value)> {
    body.split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let mut name = None;
            let mut data = Value::Null;
            for line in block.lines() {
                if let Some(value) = line.strip_prefix("event: ") {
                    name = Some(value.to_string());
                } else if let Some(value) = line.strip_prefix("data: ") {
                    data = serde_json::from_str(value).unwrap_or(Value::String(value.into()));
                }
            }
            (name, data)
        })
        .collect()
}

#[test]
fn every_gateway_route_wants_a_good_bearer_token() {
    let gateway = Gateway::start();
    let gw = gateway.gateway_url();
    let routes = [
        format!("{gw}/anthropic/v1/messages"),
        format!("{gw}/openai/v1/responses"),
        format!("{gw}/gemini/v1beta/models/m:generateContent"),
        format!("{gw}/cursor/v1/chat/completions"),
    ];
    let body = json!({"model": "m", "messages": [], "input": "hi", "contents": []});
    for url in &routes {
        let missing = send("POST", url, &[], Some(body.clone()));
        assert_eq!(missing.status, 401, "{url}");
        assert!(
            missing.body.contains("\"error_code\":\"UNAUTHENTICATED\""),
            "{url}: {}",
            missing.body
        );
        let wrong = send(
            "POST",
            url,
            &[("Authorization", "Bearer dapi-wrong")],
            Some(body.clone()),
        );
        assert_eq!(wrong.status, 401, "{url}");
        let forbidden = bearer(FORBIDDEN_TOKEN);
        let denied = send(
            "POST",
            url,
            &[("Authorization", &forbidden)],
            Some(body.clone()),
        );
        assert_eq!(denied.status, 403, "{url}");
        assert!(denied.body.contains("PERMISSION_DENIED"), "{url}");
        let good = bearer(GOOD_TOKEN);
        assert_eq!(
            send("POST", url, &[("Authorization", &good)], Some(body.clone())).status,
            200,
            "{url}"
        );
    }
    let by_goog_key = send(
        "POST",
        &format!("{gw}/gemini/v1beta/models/m:countTokens"),
        &[("x-goog-api-key", GOOD_TOKEN)],
        Some(json!({"contents": []})),
    );
    assert_eq!(by_goog_key.status, 200);
    assert_eq!(
        gateway.requests().len(),
        routes.len() * 4 + 1,
        "every request is recorded"
    );
}

#[test]
fn anthropic_stream_is_one_text_block_between_message_start_and_stop() {
    let gateway = Gateway::start_replying("hello there");
    let reply = send(
        "POST",
        &format!("{}/anthropic/v1/messages?beta=true", gateway.gateway_url()),
        &[("Authorization", &bearer(GOOD_TOKEN))],
        Some(
            json!({"model": "databricks-claude-opus-4-6", "stream": true, "max_tokens": 10, "messages": []}),
        ),
    );
    assert_eq!(reply.content_type, "text/event-stream");
    let events = events(&reply.body);
    let names: Vec<&str> = events
        .iter()
        .map(|(name, _)| name.as_deref().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "message_start",
            "content_block_start",
            "ping",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ]
    );
    for (name, data) in &events {
        assert_eq!(data["type"], json!(name), "the data repeats the event name");
    }
    assert_eq!(
        events[0].1["message"]["model"],
        "databricks-claude-opus-4-6"
    );
    assert_eq!(
        events[3].1["delta"],
        json!({"type": "text_delta", "text": "hello there"})
    );
    assert_eq!(events[5].1["delta"]["stop_reason"], "end_turn");
    assert!(events[5].1["usage"]["output_tokens"].is_u64());

    let whole = send(
        "POST",
        &format!("{}/anthropic/v1/messages", gateway.gateway_url()),
        &[("Authorization", &bearer(GOOD_TOKEN))],
        Some(json!({"model": "m", "max_tokens": 10, "messages": []})),
    );
    let message: Value = serde_json::from_str(&whole.body).unwrap();
    assert_eq!(message["content"][0]["text"], "hello there");
}

#[test]
fn responses_stream_numbers_its_events_and_completes_with_usage() {
    let gateway = Gateway::start();
    let reply = send(
        "POST",
        &format!("{}/openai/v1/responses", gateway.gateway_url()),
        &[("Authorization", &bearer(GOOD_TOKEN))],
        Some(json!({"model": "databricks-gpt-5-2", "stream": true, "input": "say pong"})),
    );
    assert_eq!(reply.content_type, "text/event-stream");
    let events = events(&reply.body);
    for (sequence, (name, data)) in events.iter().enumerate() {
        assert_eq!(data["type"], json!(name));
        assert_eq!(data["sequence_number"], json!(sequence));
    }
    let (first, last) = (&events[0].1, &events[events.len() - 1].1);
    assert_eq!(first["type"], "response.created");
    assert_eq!(last["type"], "response.completed");
    assert_eq!(last["response"]["status"], "completed");
    assert_eq!(last["response"]["model"], "databricks-gpt-5-2");
    assert_eq!(last["response"]["output"][0]["content"][0]["text"], "pong");
    assert!(last["response"]["usage"]["total_tokens"].is_u64());
    let delta = events
        .iter()
        .find(|(name, _)| name.as_deref() == Some("response.output_text.delta"));
    assert_eq!(delta.unwrap().1["delta"], "pong");

    let models = send(
        "GET",
        &format!(
            "{}/openai/v1/models?client_version=0.171.0",
            gateway.gateway_url()
        ),
        &[("Authorization", &bearer(GOOD_TOKEN))],
        None,
    );
    let list: Value = serde_json::from_str(&models.body).unwrap();
    assert_eq!(list["object"], "list");
}

#[test]
fn gemini_stream_is_generate_content_responses_without_event_names() {
    let gateway = Gateway::start();
    let reply = send(
        "POST",
        &format!(
            "{}/gemini/v1beta/models/databricks-gemini-2-5-flash:streamGenerateContent?alt=sse",
            gateway.gateway_url()
        ),
        &[
            ("x-goog-api-key", GOOD_TOKEN),
            ("Authorization", &bearer(GOOD_TOKEN)),
        ],
        Some(json!({"contents": [{"role": "user", "parts": [{"text": "say pong"}]}]})),
    );
    assert_eq!(reply.content_type, "text/event-stream");
    let events = events(&reply.body);
    assert_eq!(events.len(), 1);
    let (name, chunk) = &events[0];
    assert_eq!(name, &None);
    assert_eq!(
        chunk["candidates"][0]["content"]["parts"][0]["text"],
        "pong"
    );
    assert_eq!(chunk["candidates"][0]["finishReason"], "STOP");
    assert_eq!(chunk["modelVersion"], "databricks-gemini-2-5-flash");
}

#[test]
fn chat_completions_answer_json_and_stream_ends_with_done() {
    let gateway = Gateway::start();
    let url = format!("{}/cursor/v1/chat/completions", gateway.gateway_url());
    let auth = bearer(GOOD_TOKEN);
    let whole = send(
        "POST",
        &url,
        &[("Authorization", &auth)],
        Some(json!({"model": "m", "messages": []})),
    );
    let completion: Value = serde_json::from_str(&whole.body).unwrap();
    assert_eq!(completion["choices"][0]["message"]["content"], "pong");
    let stream = send(
        "POST",
        &url,
        &[("Authorization", &auth)],
        Some(json!({"model": "m", "stream": true, "messages": []})),
    );
    assert!(stream.body.ends_with("data: [DONE]\n\n"), "{}", stream.body);
}

#[test]
fn otlp_ingest_wants_a_token_a_table_and_protobuf() {
    let gateway = Gateway::start();
    let post = |signal: &str, token: &str, table: Option<&str>, body: &[u8]| {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut request = agent
            .post(format!("{}/api/2.0/otel/v1/{signal}", gateway.url))
            .header("Authorization", bearer(token))
            .header("Content-Type", "application/x-protobuf");
        if let Some(table) = table {
            request = request.header("X-Databricks-UC-Table-Name", table);
        }
        let mut response = request.send(body).unwrap();
        let status = response.status().as_u16();
        let bytes = response.body_mut().read_to_vec().unwrap();
        (status, bytes)
    };
    let table = Some("main.agents.claude_otel_metrics");
    for signal in ["metrics", "logs"] {
        // Zero bytes is a valid (empty) Export*ServiceRequest; the answer is an empty response.
        assert_eq!(post(signal, GOOD_TOKEN, table, b""), (200, Vec::new()));
    }
    assert_eq!(post("metrics", "dapi-wrong", table, b"").0, 401);
    assert_eq!(post("metrics", FORBIDDEN_TOKEN, table, b"").0, 403);
    let refusal = |status: u16, code: u64, message: &str| (status, otlp::rpc_status(code, message));
    assert_eq!(
        post("metrics", GOOD_TOKEN, None, b""),
        refusal(400, 3, "missing header X-Databricks-UC-Table-Name")
    );
    assert_eq!(
        post("metrics", GOOD_TOKEN, table, b"{}"),
        refusal(400, 3, "the body is not a protobuf message")
    );
    assert_eq!(
        post(
            "logs",
            GOOD_TOKEN,
            Some("locked.agents.claude_otel_logs"),
            b""
        )
        .0,
        403
    );
    assert_eq!(
        post("logs", GOOD_TOKEN, Some("main.nope.claude_otel_logs"), b""),
        refusal(
            404,
            5,
            "NOT_FOUND: Table 'main.nope.claude_otel_logs' does not exist."
        )
    );
}

#[test]
fn a_serving_gateway_knows_only_its_model_endpoints() {
    let gateway =
        Gateway::start_serving(&["databricks-claude-opus-4-6", "databricks-gemini-2-5-flash"]);
    let gw = gateway.gateway_url();
    let auth = bearer(GOOD_TOKEN);
    let message = |model: &str| {
        let body = json!({"model": model, "max_tokens": 10, "messages": []});
        send(
            "POST",
            &format!("{gw}/anthropic/v1/messages"),
            &[("Authorization", &auth)],
            Some(body),
        )
    };
    assert_eq!(message("databricks-claude-opus-4-6").status, 200);
    let unknown = message("claude-haiku-4-5-20251001");
    assert_eq!(unknown.status, 404);
    assert!(
        unknown.body.contains("RESOURCE_DOES_NOT_EXIST"),
        "{}",
        unknown.body
    );
    let gemini = |model: &str| {
        let url = format!("{gw}/gemini/v1beta/models/{model}:generateContent");
        send(
            "POST",
            &url,
            &[("Authorization", &auth)],
            Some(json!({"contents": []})),
        )
        .status
    };
    assert_eq!(gemini("databricks-gemini-2-5-flash"), 200);
    assert_eq!(gemini("gemini-2.5-flash-lite"), 404);
}
