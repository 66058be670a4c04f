//! What a flow will play, found in its document before it is published, so that every fixed
//! text is spoken ahead of time (a call then never waits for TTS) and every prompt id is known.
//!
//! Blocks say things with `say`-like parameters (`say`, `no_input_say`, `retry_say`…) holding
//! `{"text": …}` or `{"prompt": …}`, and queue music with `treatment.music_on_hold`. A text
//! holding template syntax (`{{`, `{%`, `{#`) depends on the call and is spoken when played.

use std::collections::BTreeSet;

use serde_json::Value;

/// The prompts a flow document refers to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlowPrompts {
    /// Fixed texts, rendered at publish time.
    pub texts: BTreeSet<String>,
    /// Texts that are templates, rendered when played.
    pub templates: BTreeSet<String>,
    /// Recorded prompt ids (`default:…` or a tenant's upload).
    pub ids: BTreeSet<String>,
}

/// Collects the texts and prompt ids of a flow document.
pub fn flow_prompts(document: &sb_flow::Document) -> FlowPrompts {
    let mut found = FlowPrompts::default();
    for block in &document.blocks {
        walk(&block.params, &mut found, 0);
    }
    found
}

/// Deepest nesting looked into (documents are shallow; this only bounds the recursion).
const MAX_DEPTH: usize = 16;

fn walk(value: &Value, found: &mut FlowPrompts, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "say" || key.ends_with("_say") {
                    say(v, found);
                } else if key == "music_on_hold" {
                    if let Some(id) = v.as_str() {
                        found.ids.insert(id.to_string());
                    }
                } else {
                    walk(v, found, depth + 1);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| walk(v, found, depth + 1)),
        _ => {}
    }
}

fn say(value: &Value, found: &mut FlowPrompts) {
    if let Some(text) = value.get("text").and_then(Value::as_str) {
        if ["{{", "{%", "{#"].iter().any(|m| text.contains(m)) {
            found.templates.insert(text.to_string());
        } else {
            found.texts.insert(text.to_string());
        }
    }
    if let Some(id) = value.get("prompt").and_then(Value::as_str) {
        found.ids.insert(id.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_texts_templates_and_ids_are_told_apart() {
        let doc = sb_flow::Document::from_json(
            r#"{
              "start": "a",
              "blocks": [
                {"id": "a", "type": "play", "params": {"say": {"text": "Hello."}}},
                {"id": "b", "type": "menu", "params": {
                  "say": {"prompt": "menu_main"},
                  "no_match_say": {"text": "Hi {{ attrs.name }}."}}},
                {"id": "c", "type": "enqueue", "params": {
                  "treatment": {"music_on_hold": "default:hold_music"}}}
              ]
            }"#,
        )
        .expect("document parses");
        let found = flow_prompts(&doc);
        assert_eq!(found.texts.into_iter().collect::<Vec<_>>(), ["Hello."]);
        assert_eq!(found.templates.len(), 1);
        assert_eq!(
            found.ids.into_iter().collect::<Vec<_>>(),
            ["default:hold_music", "menu_main"]
        );
    }
}
