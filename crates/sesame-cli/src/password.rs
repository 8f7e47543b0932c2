//! Passwords: from an environment variable, the first line of a file, or a prompt on the
//! terminal with echo off (as kinit asks); never from the command line.

use zeroize::Zeroizing;

use crate::cli::PasswordArgs;

/// The password `args` points to, else one typed at a prompt on the terminal.
pub fn read(args: &PasswordArgs, prompt: &str) -> Result<Zeroizing<String>, String> {
    if let Some(p) = given(args)? {
        return Ok(p);
    }
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|e| {
            format!(
                "cannot ask for the password ({e}): give --password-env VAR or --password-file FILE"
            )
        })
}

/// The password of `--password-env` or `--password-file`, if one was given.
pub fn given(args: &PasswordArgs) -> Result<Option<Zeroizing<String>>, String> {
    if let Some(var) = &args.password_env {
        return std::env::var(var)
            .map(|p| Some(Zeroizing::new(p)))
            .map_err(|_| format!("environment variable {var} is not set"));
    }
    if let Some(path) = &args.password_file {
        let text = Zeroizing::new(
            std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?,
        );
        let line = text.lines().next().unwrap_or_default();
        return Ok(Some(Zeroizing::new(line.to_string())));
    }
    Ok(None)
}

/// The new password: from the environment variable `var`, else typed twice at the terminal
/// (the two must agree, as MIT's kpasswd asks).
pub fn new(var: Option<&str>, principal: &str) -> Result<Zeroizing<String>, String> {
    if let Some(var) = var {
        return std::env::var(var)
            .map(Zeroizing::new)
            .map_err(|_| format!("environment variable {var} is not set"));
    }
    let ask = |prompt: String| {
        rpassword::prompt_password(prompt)
            .map(Zeroizing::new)
            .map_err(|e| {
                format!("cannot ask for the new password ({e}): give --new-password-env VAR")
            })
    };
    let first = ask(format!("Enter new password for {principal}: "))?;
    let again = ask("Enter it again: ".to_string())?;
    if first != again {
        return Err("the two new passwords differ".into());
    }
    Ok(first)
}
