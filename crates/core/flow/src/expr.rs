//! Rhai expressions, sandboxed: no clock, no modules, no printing, and bounded by [`Limits`].

use crate::{Attributes, Limits, Value};
use rhai::packages::{
    BasicArrayPackage, BasicMapPackage, BasicMathPackage, CorePackage, LogicPackage,
    MoreStringPackage, Package,
};
use rhai::{AST, Engine, OptimizationLevel, Scope};

/// A compiled expression.
#[derive(Clone, Debug)]
pub(crate) struct Expr {
    ast: AST,
}

/// Builds the engine every flow of the process shares the settings of.
pub(crate) fn engine(limits: &Limits) -> Engine {
    let mut engine = Engine::new_raw();
    for module in [
        CorePackage::new().as_shared_module(),
        LogicPackage::new().as_shared_module(),
        BasicMathPackage::new().as_shared_module(),
        BasicArrayPackage::new().as_shared_module(),
        BasicMapPackage::new().as_shared_module(),
        MoreStringPackage::new().as_shared_module(),
    ] {
        engine.register_global_module(module);
    }
    engine.disable_symbol("eval");
    engine.set_optimization_level(OptimizationLevel::None);
    engine.set_strict_variables(true);
    set_limits(&mut engine, limits);
    engine
}

fn set_limits(engine: &mut Engine, limits: &Limits) {
    engine.set_max_operations(limits.expr_operations.max(1));
    engine.set_max_call_levels(limits.expr_call_depth);
    engine.set_max_string_size(limits.expr_string_len.max(1));
    engine.set_max_array_size(limits.expr_collection_len.max(1));
    engine.set_max_map_size(limits.expr_collection_len.max(1));
    engine.set_max_expr_depths(64, 32);
    engine.set_max_variables(64);
    engine.set_max_functions(32);
}

fn scope(attrs: &Attributes) -> Scope<'static> {
    let map: rhai::Map = attrs
        .iter()
        .map(|(k, v)| (k.as_str().into(), v.to_dynamic()))
        .collect();
    let mut scope = Scope::new();
    scope.push_constant("attrs", map);
    scope
}

impl Expr {
    /// Compiles `source`; the error is a message for a diagnostic.
    pub(crate) fn compile(engine: &Engine, source: &str, limits: &Limits) -> Result<Expr, String> {
        if source.len() > limits.expr_source_len {
            return Err(format!(
                "expression longer than {} bytes",
                limits.expr_source_len
            ));
        }
        let ast = engine
            .compile_with_scope(&scope(&Attributes::new()), source)
            .map_err(|e| e.to_string())?;
        Ok(Expr { ast })
    }

    /// Evaluates to an attribute value.
    pub(crate) fn eval(&self, engine: &Engine, attrs: &Attributes) -> Result<Value, String> {
        let result = engine
            .eval_ast_with_scope::<rhai::Dynamic>(&mut scope(attrs), &self.ast)
            .map_err(|e| e.to_string())?;
        Value::from_dynamic(&result).ok_or_else(|| {
            format!(
                "expression gave a {}, not a string, number or bool",
                result.type_name()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(source: &str, attrs: &Attributes) -> Result<Value, String> {
        let limits = Limits::default();
        let engine = engine(&limits);
        Expr::compile(&engine, source, &limits)?.eval(&engine, attrs)
    }

    #[test]
    fn expressions_read_attributes() {
        let attrs = Attributes::from([("tries".into(), Value::Int(2))]);
        assert_eq!(run("attrs.tries + 1", &attrs), Ok(Value::Int(3)));
        assert_eq!(run("attrs.missing == ()", &attrs), Ok(Value::Bool(true)));
    }

    #[test]
    fn infinite_loop_runs_out_of_operations() {
        let err = run("loop { }", &Attributes::new()).unwrap_err();
        assert!(err.contains("operations"), "{err}");
    }

    #[test]
    fn growing_string_hits_the_size_limit() {
        let err = run(r#"let s = "x"; loop { s += s; }"#, &Attributes::new()).unwrap_err();
        assert!(
            err.to_lowercase().contains("length") || err.contains("size"),
            "{err}"
        );
    }

    #[test]
    fn deep_recursion_hits_the_call_limit() {
        let err = run("fn f(n) { f(n + 1) } f(0)", &Attributes::new()).unwrap_err();
        assert!(
            err.to_lowercase().contains("stack") || err.contains("call"),
            "{err}"
        );
    }

    #[test]
    fn unknown_variables_fail_at_compile_time() {
        let limits = Limits::default();
        assert!(Expr::compile(&engine(&limits), "nobody + 1", &limits).is_err());
    }

    #[test]
    fn clock_and_eval_are_not_available() {
        assert!(run("timestamp()", &Attributes::new()).is_err());
        assert!(run(r#"eval("1")"#, &Attributes::new()).is_err());
    }
}
