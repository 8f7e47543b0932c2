//! `cargo xtask bench`: every benchmark of the workspace (divan prints the figures).

use crate::util::{Result, cargo, run};

pub fn main(args: &[String]) -> Result {
    let mut cmd = cargo();
    cmd.args(["bench", "--workspace", "--locked"]);
    if !args.is_empty() {
        cmd.arg("--").args(args);
    }
    run(&mut cmd)
}
