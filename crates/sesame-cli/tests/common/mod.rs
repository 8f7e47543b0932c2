//! A `sesame` process speaking the token line protocol, for the tests.
#![allow(clippy::unwrap_used, dead_code)] // test helpers; not every test uses every one

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

pub struct Proc {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Proc {
    /// `sesame ARGS` with extra environment.
    pub fn sesame(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sesame"));
        cmd.args(args).envs(env.iter().copied());
        Self::start(cmd)
    }

    /// Any prepared command.
    pub fn start(mut cmd: Command) -> Self {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Self {
            child,
            stdin,
            stdout,
        }
    }

    /// The next line of standard output.
    pub fn line(&mut self) -> String {
        let mut l = String::new();
        self.stdout.read_line(&mut l).unwrap();
        l.trim_end().to_string()
    }

    /// A line to standard input.
    pub fn send(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
    }

    /// Closes standard input; whether the process exited with status 0.
    pub fn finish(self) -> bool {
        drop(self.stdin);
        self.child.wait_with_output().unwrap().status.success()
    }
}
