//! A small command-line parser: `--flag`, `--option VALUE`, positional arguments.

/// Parsed arguments of one subcommand.
pub struct Args {
    options: Vec<(String, Option<String>)>,
    /// The positional arguments, in order.
    pub positional: Vec<String>,
}

impl Args {
    /// Splits `args`; `with_value` lists the options that take a value.
    pub fn parse(args: &[String], with_value: &[&str], flags: &[&str]) -> Result<Self, String> {
        let mut options = Vec::new();
        let mut positional = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if let Some(name) = a.strip_prefix("--") {
                let (name, inline) = match name.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_string())),
                    None => (name, None),
                };
                if with_value.contains(&name) {
                    let v = match inline {
                        Some(v) => v,
                        None => it
                            .next()
                            .cloned()
                            .ok_or_else(|| format!("--{name} needs a value"))?,
                    };
                    options.push((name.to_string(), Some(v)));
                } else if flags.contains(&name) && inline.is_none() {
                    options.push((name.to_string(), None));
                } else {
                    return Err(format!("unknown option --{name}"));
                }
            } else {
                positional.push(a.clone());
            }
        }
        Ok(Self {
            options,
            positional,
        })
    }

    /// The value of an option given once (the last one wins).
    pub fn value(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }

    /// Whether a flag was given.
    pub fn flag(&self, name: &str) -> bool {
        self.options.iter().any(|(n, _)| n == name)
    }
}
