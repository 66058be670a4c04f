//! minijinja templates for spoken and written text, fuelled and restricted to non-amplifying
//! constructs.
//!
//! minijinja's fuel bounds the instructions a template runs, but a few constructs can build a
//! huge string in few instructions (string repetition with `*`, and rebinding a doubled value
//! with `set`, `with` or nested `for`). Templates may therefore use only `{{ … }}` expressions,
//! `{% if %}` tags and comments, never `*`, and only the filters registered here; with fuel this
//! bounds the output to the template's size times the largest attribute.

use crate::{Attributes, Limits};
use minijinja::{Environment, UndefinedBehavior};

/// A compiled template, by name within [`Templates`].
#[derive(Clone, Debug)]
pub(crate) struct Template(String);

/// The templates of one program.
#[derive(Debug)]
pub(crate) struct Templates {
    env: Environment<'static>,
    max_output: usize,
}

const ALLOWED_TAGS: &[&str] = &["if", "elif", "else", "endif"];

impl Templates {
    pub(crate) fn new(limits: &Limits) -> Templates {
        let mut env = Environment::empty();
        env.set_fuel(Some(limits.template_fuel.max(1)));
        env.set_undefined_behavior(UndefinedBehavior::Chainable);
        env.set_recursion_limit(16);
        register_filters(&mut env);
        Templates {
            env,
            max_output: limits.rendered_len,
        }
    }

    /// Checks and compiles `source` under `name`.
    pub(crate) fn add(
        &mut self,
        name: String,
        source: &str,
        limits: &Limits,
    ) -> Result<Template, String> {
        if source.len() > limits.template_source_len {
            return Err(format!(
                "template longer than {} bytes",
                limits.template_source_len
            ));
        }
        lint_template(source)?;
        self.env
            .add_template_owned(name.clone(), source.to_owned())
            .map_err(|e| e.to_string())?;
        Ok(Template(name))
    }

    /// Renders with the interaction's attributes as `attrs`.
    pub(crate) fn render(&self, template: &Template, attrs: &Attributes) -> Result<String, String> {
        let compiled = self
            .env
            .get_template(&template.0)
            .map_err(|e| e.to_string())?;
        let map: std::collections::BTreeMap<String, minijinja::Value> = attrs
            .iter()
            .map(|(k, v)| (k.clone(), v.to_template()))
            .collect();
        let ctx = minijinja::context! { attrs => minijinja::Value::from(map) };
        let text = compiled.render(ctx).map_err(|e| e.to_string())?;
        if text.len() > self.max_output {
            return Err(format!(
                "rendered text longer than {} bytes",
                self.max_output
            ));
        }
        Ok(text)
    }
}

fn register_filters(env: &mut Environment<'static>) {
    env.add_filter("upper", |s: String| s.to_uppercase());
    env.add_filter("lower", |s: String| s.to_lowercase());
    env.add_filter("trim", |s: String| s.trim().to_owned());
    env.add_filter("length", |s: String| s.chars().count());
    env.add_filter("spell", |s: String| {
        s.chars().map(String::from).collect::<Vec<_>>().join(" ")
    });
    env.add_filter(
        "default",
        |v: minijinja::Value, d: Option<minijinja::Value>| {
            if v.is_undefined() || v.is_none() {
                d.unwrap_or_else(|| "".into())
            } else {
                v
            }
        },
    );
}

/// Rejects the constructs that could amplify output beyond what fuel bounds: any tag but
/// `if`/`elif`/`else`/`endif`, and `*` outside string literals (also an unclosed `{{`, `{%`
/// or `{#`). Shared with every other minijinja template of the product (canned responses).
pub fn lint_template(source: &str) -> Result<(), String> {
    let mut rest = source;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let (close, is_tag) = match after.as_bytes().first() {
            Some(b'{') => ("}}", false),
            Some(b'%') => ("%}", true),
            Some(b'#') => ("#}", false),
            _ => {
                rest = after;
                continue;
            }
        };
        let code = &after[1..];
        let end = find_close(code, close).ok_or("a `{{`, `{%` or `{#` is never closed")?;
        if !after.starts_with('#') {
            check_code(&code[..end], is_tag)?;
        }
        rest = &code[end + close.len()..];
    }
    Ok(())
}

/// Finds the closing delimiter outside of string literals.
fn find_close(code: &str, close: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in code.char_indices() {
        match quote {
            Some(_) if escaped => escaped = false,
            Some(_) if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if code[i..].starts_with(close) => return Some(i),
            None => {}
        }
    }
    None
}

fn check_code(code: &str, is_tag: bool) -> Result<(), String> {
    if is_tag {
        let word: String = code
            .trim_start_matches(['-', '+', '~'])
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !ALLOWED_TAGS.contains(&word.as_str()) {
            return Err(format!(
                "tag `{word}` is not allowed (only if/elif/else/endif)"
            ));
        }
    }
    if outside_strings(code).contains('*') {
        return Err("`*` is not allowed in templates (compute in a Rhai expression)".into());
    }
    Ok(())
}

fn outside_strings(code: &str) -> String {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in code.chars() {
        match quote {
            Some(_) if escaped => escaped = false,
            Some(_) if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Value;

    fn render(source: &str, attrs: &Attributes) -> Result<String, String> {
        let limits = Limits::default();
        let mut t = Templates::new(&limits);
        let tpl = t.add("t".into(), source, &limits)?;
        t.render(&tpl, attrs)
    }

    #[test]
    fn templates_render_attributes_and_filters() {
        let attrs = Attributes::from([("name".into(), Value::from("ada")), ("n".into(), 3.into())]);
        let out = render(
            "Hello {{ attrs.name | upper }}, {% if attrs.n > 2 %}many{% else %}few{% endif %}",
            &attrs,
        );
        assert_eq!(out, Ok("Hello ADA, many".into()));
        assert_eq!(
            render("{{ attrs.nope.deeper | default('x') }}", &attrs),
            Ok("x".into())
        );
    }

    #[test]
    fn amplifying_constructs_are_rejected() {
        for bad in [
            "{{ 'x' * 100000000 }}",
            "{% set a = 'x' %}{{ a }}",
            "{% for i in [1] %}{% endfor %}",
            "{% with a = 1 %}{% endwith %}",
            "{% macro m() %}{% endmacro %}",
            "{% include 'other' %}",
            "{% raw %}{% endraw %}",
            "{{ attrs.a",
            "{# never closed",
        ] {
            assert!(render(bad, &Attributes::new()).is_err(), "{bad}");
        }
    }

    #[test]
    fn whitespace_control_does_not_hide_a_tag() {
        let attrs = Attributes::from([("a".into(), Value::from(true))]);
        assert_eq!(
            render("{%- if attrs.a -%} yes {%- endif %}", &attrs),
            Ok("yes".into())
        );
        assert!(render("{%- set x = 1 %}", &attrs).is_err());
        assert!(render("{%+ for x in [1] %}{% endfor %}", &attrs).is_err());
        assert_eq!(render("{# {% set x = 1 %} #}ok", &attrs), Ok("ok".into()));
    }

    #[test]
    fn stars_inside_strings_and_text_are_fine() {
        assert_eq!(
            render("* {{ '*' }} *", &Attributes::new()),
            Ok("* * *".into())
        );
    }

    #[test]
    fn long_expression_chains_run_out_of_fuel_or_size() {
        let big = Attributes::from([("s".into(), Value::from("y".repeat(16 * 1024)))]);
        let chain = vec!["attrs.s"; 200].join(" ~ ");
        assert!(render(&format!("{{{{ {chain} }}}}"), &big).is_err());
    }
}
