//! Document → program: every problem reported at once, each with its block and field.

use crate::action::Named;
use crate::blocks::{BLOCK_TYPES, BlockKind, Say};
use crate::expr::{self, Expr};
use crate::program::{CompiledBlock, Handlers};
use crate::template::{Template, Templates};
use crate::{Block, Catalog, Diagnostic, DiagnosticKind, Document, Limits, Program};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// Compiles a document against the tenant's catalog with the default [`Limits`].
pub fn compile(doc: &Document, catalog: &Catalog) -> Result<Program, Vec<Diagnostic>> {
    compile_with_limits(doc, catalog, &Limits::default())
}

/// Parses and compiles JSON text; malformed JSON is one `bad_document` diagnostic with serde's
/// line and column. For `switchboard flow check`.
pub fn compile_json(text: &str, catalog: &Catalog) -> Result<Program, Vec<Diagnostic>> {
    let doc = Document::from_json(text).map_err(|e| {
        vec![diag(
            None,
            String::new(),
            DiagnosticKind::BadDocument,
            e.to_string(),
        )]
    })?;
    compile(&doc, catalog)
}

/// Compiles a document with explicit limits.
pub fn compile_with_limits(
    doc: &Document,
    catalog: &Catalog,
    limits: &Limits,
) -> Result<Program, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    if doc.blocks.is_empty() || doc.blocks.len() > limits.max_blocks {
        let message = format!("a flow needs 1 to {} blocks", limits.max_blocks);
        diags.push(diag(
            None,
            "/blocks".into(),
            DiagnosticKind::BadDocument,
            message,
        ));
        return Err(diags);
    }
    let index = index_blocks(doc, &mut diags);
    let start = index.get(doc.start.as_str()).copied();
    if start.is_none() {
        let message = format!("start block {:?} does not exist", doc.start);
        diags.push(diag(
            None,
            "/start".into(),
            DiagnosticKind::UnknownStart,
            message,
        ));
    }
    let engine = expr::engine(limits);
    let mut templates = Templates::new(limits);
    let mut shared = Shared {
        catalog,
        engine: &engine,
        templates: &mut templates,
        limits,
        diags: &mut diags,
    };
    let blocks: Vec<Option<CompiledBlock>> = (doc.blocks.iter().enumerate())
        .map(|(i, block)| compile_block(i, block, &index, &mut shared))
        .collect();
    let on = resolve_handlers(&doc.on, "/on", None, &index, &mut diags);
    if let Some(start) = start {
        check_reachable(doc, &index, start, &mut diags);
    }
    match (
        diags.is_empty(),
        start,
        blocks.into_iter().collect::<Option<Vec<_>>>(),
    ) {
        (true, Some(start), Some(blocks)) => Ok(Program {
            name: doc.name.clone(),
            version: doc.version,
            start,
            blocks,
            on,
            engine,
            templates,
            limits: limits.clone(),
        }),
        _ => Err(diags),
    }
}

fn diag(block: Option<&str>, path: String, kind: DiagnosticKind, message: String) -> Diagnostic {
    Diagnostic {
        block: block.map(str::to_owned),
        path,
        kind,
        message,
    }
}

/// Escapes one JSON pointer segment.
pub(crate) fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn index_blocks<'d>(doc: &'d Document, diags: &mut Vec<Diagnostic>) -> HashMap<&'d str, usize> {
    let mut index = HashMap::new();
    for (i, block) in doc.blocks.iter().enumerate() {
        if index.insert(block.id.as_str(), i).is_some() {
            let message = format!("another block already has id {:?}", block.id);
            let path = format!("/blocks/{i}/id");
            diags.push(diag(
                Some(&block.id),
                path,
                DiagnosticKind::DuplicateBlock,
                message,
            ));
        }
    }
    index
}

/// What every block's compilation shares.
struct Shared<'a> {
    catalog: &'a Catalog,
    engine: &'a rhai::Engine,
    templates: &'a mut Templates,
    limits: &'a Limits,
    diags: &'a mut Vec<Diagnostic>,
}

fn compile_block(
    i: usize,
    block: &Block,
    index: &HashMap<&str, usize>,
    shared: &mut Shared<'_>,
) -> Option<CompiledBlock> {
    let transitions = resolve_transitions(i, block, index, shared.diags);
    let on = resolve_handlers(
        &block.on,
        &format!("/blocks/{i}/on"),
        Some(&block.id),
        index,
        shared.diags,
    );
    let kind = parse_kind(i, block, shared.diags)?;
    check_outcomes(i, block, &kind, shared.diags);
    let mut cx = Cx {
        shared,
        transitions: &block.transitions,
        block: &block.id,
        index: i,
    };
    let op = kind.compile(&mut cx)?;
    Some(CompiledBlock {
        id: block.id.clone(),
        op,
        transitions: transitions?,
        on,
    })
}

fn parse_kind(i: usize, block: &Block, diags: &mut Vec<Diagnostic>) -> Option<BlockKind> {
    if !BLOCK_TYPES.contains(&block.kind.as_str()) {
        let message = format!(
            "unknown block type {:?}; known: {}",
            block.kind,
            BLOCK_TYPES.join(", ")
        );
        diags.push(diag(
            Some(&block.id),
            format!("/blocks/{i}/type"),
            DiagnosticKind::UnknownBlockType,
            message,
        ));
        return None;
    }
    let params = match &block.params {
        serde_json::Value::Null => serde_json::Value::Object(serde_json::Map::new()),
        other => other.clone(),
    };
    let tagged = serde_json::json!({ "type": block.kind, "params": params });
    serde_json::from_value(tagged)
        .map_err(|e| {
            let message = format!("bad parameters for {}: {e}", block.kind);
            diags.push(diag(
                Some(&block.id),
                format!("/blocks/{i}/params"),
                DiagnosticKind::BadParams,
                message,
            ));
        })
        .ok()
}

fn resolve_transitions(
    i: usize,
    block: &Block,
    index: &HashMap<&str, usize>,
    diags: &mut Vec<Diagnostic>,
) -> Option<BTreeMap<String, usize>> {
    let mut resolved = BTreeMap::new();
    let mut ok = true;
    for (name, target) in &block.transitions {
        match index.get(target.as_str()) {
            Some(&t) => {
                resolved.insert(name.clone(), t);
            }
            None => {
                ok = false;
                let path = format!("/blocks/{i}/transitions/{}", escape(name));
                let message = format!("transition {name:?} goes to unknown block {target:?}");
                diags.push(diag(
                    Some(&block.id),
                    path,
                    DiagnosticKind::UnknownTarget,
                    message,
                ));
            }
        }
    }
    ok.then_some(resolved)
}

fn resolve_handlers(
    handlers: &crate::document::Handlers,
    base: &str,
    block: Option<&str>,
    index: &HashMap<&str, usize>,
    diags: &mut Vec<Diagnostic>,
) -> Handlers {
    let mut resolve = |name: &str, target: &Option<String>| {
        let target = target.as_ref()?;
        let found = index.get(target.as_str()).copied();
        if found.is_none() {
            let message = format!("handler {name:?} goes to unknown block {target:?}");
            diags.push(diag(
                block,
                format!("{base}/{name}"),
                DiagnosticKind::UnknownTarget,
                message,
            ));
        }
        found
    };
    Handlers {
        hangup: resolve("hangup", &handlers.hangup),
        agent_answer: resolve("agent_answer", &handlers.agent_answer),
    }
}

fn check_outcomes(i: usize, block: &Block, kind: &BlockKind, diags: &mut Vec<Diagnostic>) {
    let outcomes = kind.outcomes();
    for name in block.transitions.keys() {
        if name != "error" && !outcomes.allowed.contains(name) {
            let path = format!("/blocks/{i}/transitions/{}", escape(name));
            let message = format!(
                "a {} block has no outcome {name:?} (it has: {}, error)",
                block.kind,
                outcomes.allowed.join(", ")
            );
            diags.push(diag(
                Some(&block.id),
                path,
                DiagnosticKind::UnknownTransitionName,
                message,
            ));
        }
    }
    for name in &outcomes.required {
        if !block.transitions.contains_key(name) {
            let message = format!("a {} block needs a {name:?} transition", block.kind);
            let path = format!("/blocks/{i}/transitions");
            diags.push(diag(
                Some(&block.id),
                path,
                DiagnosticKind::MissingTransition,
                message,
            ));
        }
    }
}

fn check_reachable(
    doc: &Document,
    index: &HashMap<&str, usize>,
    start: usize,
    diags: &mut Vec<Diagnostic>,
) {
    let mut seen = vec![false; doc.blocks.len()];
    let mut queue: VecDeque<usize> = VecDeque::from([start]);
    queue.extend(
        doc.on
            .entries()
            .filter_map(|(_, t)| index.get(t.as_str()).copied()),
    );
    while let Some(b) = queue.pop_front() {
        let Some(block) = doc.blocks.get(b) else {
            continue;
        };
        if std::mem::replace(&mut seen[b], true) {
            continue;
        }
        let targets = block
            .transitions
            .values()
            .chain(block.on.entries().map(|(_, t)| t));
        queue.extend(targets.filter_map(|t| index.get(t.as_str()).copied()));
    }
    for (i, block) in doc.blocks.iter().enumerate() {
        if !seen.get(i).copied().unwrap_or(true) {
            let message = "no path from the start block reaches this block".to_owned();
            diags.push(diag(
                Some(&block.id),
                format!("/blocks/{i}"),
                DiagnosticKind::Unreachable,
                message,
            ));
        }
    }
}

/// The compilation context of one block, for the block types' `compile`.
pub(crate) struct Cx<'a, 's> {
    shared: &'a mut Shared<'s>,
    /// The block's transitions as written.
    pub(crate) transitions: &'a BTreeMap<String, String>,
    block: &'a str,
    index: usize,
}

impl Cx<'_, '_> {
    /// Records a problem with the parameter at `field` (a JSON pointer below `params`).
    pub(crate) fn report(&mut self, kind: DiagnosticKind, field: &str, message: impl Into<String>) {
        let path = match field {
            "" => format!("/blocks/{}/params", self.index),
            f => format!("/blocks/{}/params/{f}", self.index),
        };
        self.shared
            .diags
            .push(diag(Some(self.block), path, kind, message.into()));
    }

    /// Records a problem with the block's transitions.
    pub(crate) fn report_transitions(&mut self, kind: DiagnosticKind, message: impl Into<String>) {
        let path = format!("/blocks/{}/transitions", self.index);
        self.shared
            .diags
            .push(diag(Some(self.block), path, kind, message.into()));
    }

    /// Compiles a Rhai expression.
    pub(crate) fn expr(&mut self, field: &str, source: &str) -> Option<Expr> {
        let compiled = Expr::compile(self.shared.engine, source, self.shared.limits);
        compiled
            .map_err(|e| self.report(DiagnosticKind::BadExpression, field, e))
            .ok()
    }

    /// Compiles a minijinja template.
    pub(crate) fn template(&mut self, field: &str, source: &str) -> Option<Template> {
        let name = format!("{}/{field}", self.index);
        let compiled = self.shared.templates.add(name, source, self.shared.limits);
        compiled
            .map_err(|e| self.report(DiagnosticKind::BadTemplate, field, e))
            .ok()
    }

    /// Compiles an optional template.
    pub(crate) fn template_opt(
        &mut self,
        field: &str,
        source: &Option<String>,
    ) -> Option<Option<Template>> {
        match source {
            Some(s) => self.template(field, s).map(Some),
            None => Some(None),
        }
    }

    /// Checks a prompt id or compiles a text template.
    pub(crate) fn say(&mut self, field: &str, say: &Say<String>) -> Option<Say<Template>> {
        match say {
            Say::Prompt(id) => self.prompt(&format!("{field}/prompt"), id).map(Say::Prompt),
            Say::Text(text) => self.template(&format!("{field}/text"), text).map(Say::Text),
        }
    }

    /// As [`Cx::say`], for an optional field.
    pub(crate) fn say_opt(
        &mut self,
        field: &str,
        say: &Option<Say<String>>,
    ) -> Option<Option<Say<Template>>> {
        match say {
            Some(s) => self.say(field, s).map(Some),
            None => Some(None),
        }
    }

    /// Checks a prompt id.
    pub(crate) fn prompt(&mut self, field: &str, id: &str) -> Option<String> {
        if self.shared.catalog.prompts.contains(id) {
            return Some(id.to_owned());
        }
        self.report(
            DiagnosticKind::UnknownPrompt,
            field,
            format!("unknown prompt {id:?}"),
        );
        None
    }

    /// Resolves a queue name.
    pub(crate) fn queue(&mut self, field: &str, name: &str) -> Option<Named<sb_types::QueueId>> {
        let id = self.shared.catalog.queues.get(name).copied();
        let named = id.map(|id| Named {
            name: name.to_owned(),
            id,
        });
        named.or_else(|| {
            self.report(
                DiagnosticKind::UnknownQueue,
                field,
                format!("unknown queue {name:?}"),
            );
            None
        })
    }

    /// Resolves skill names; all are checked.
    pub(crate) fn skills(
        &mut self,
        field: &str,
        names: &[String],
    ) -> Option<Vec<Named<sb_types::SkillId>>> {
        let mut out = Some(Vec::new());
        for (i, name) in names.iter().enumerate() {
            match self.shared.catalog.skills.get(name) {
                Some(&id) => out.as_mut().map(|v| {
                    v.push(Named {
                        name: name.clone(),
                        id,
                    })
                }),
                None => {
                    let message = format!("unknown skill {name:?}");
                    self.report(
                        DiagnosticKind::UnknownSkill,
                        &format!("{field}/{i}"),
                        message,
                    );
                    out = None;
                    None
                }
            };
        }
        out
    }

    /// Resolves an agent name.
    pub(crate) fn agent(&mut self, field: &str, name: &str) -> Option<Named<sb_types::AgentId>> {
        let id = self.shared.catalog.agents.get(name).copied();
        let named = id.map(|id| Named {
            name: name.to_owned(),
            id,
        });
        named.or_else(|| {
            self.report(
                DiagnosticKind::UnknownAgent,
                field,
                format!("unknown agent {name:?}"),
            );
            None
        })
    }
}
