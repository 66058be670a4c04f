//! The bounds that keep a hostile or buggy flow from hanging or exhausting the engine.

/// Resource limits applied when compiling and running a flow.
///
/// Expressions that exceed a limit fail, and the block takes its `error` transition. A session
/// that exceeds a step budget ends with [`crate::Finish::StepBudget`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Rhai operations one expression may run (its time limit, as a budget).
    pub expr_operations: u64,
    /// Rhai function call depth.
    pub expr_call_depth: usize,
    /// Longest string an expression may build, in bytes.
    pub expr_string_len: usize,
    /// Largest array or map an expression may build.
    pub expr_collection_len: usize,
    /// Longest expression source, in bytes.
    pub expr_source_len: usize,
    /// minijinja fuel one template rendering may burn.
    pub template_fuel: u64,
    /// Longest template source, in bytes.
    pub template_source_len: usize,
    /// Longest rendered text, in bytes.
    pub rendered_len: usize,
    /// Blocks a session may enter in its whole life.
    pub max_steps: u32,
    /// Blocks a session may enter between two answers of the host.
    pub max_steps_without_input: u32,
    /// Largest HTTP answer body the flow reads, in bytes.
    pub http_body_len: usize,
    /// Number of blocks a document may hold.
    pub max_blocks: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            expr_operations: 20_000,
            expr_call_depth: 16,
            expr_string_len: 16 * 1024,
            expr_collection_len: 256,
            expr_source_len: 4 * 1024,
            template_fuel: 2_000,
            template_source_len: 4 * 1024,
            rendered_len: 16 * 1024,
            max_steps: 10_000,
            max_steps_without_input: 500,
            http_body_len: 256 * 1024,
            max_blocks: 1_000,
        }
    }
}
