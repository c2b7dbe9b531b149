//! **[all](crate::_documentation::flow) `mcp-doctor` — the command.** Checks
//! a remote MCP server the way claude.ai will use it and says what to fix:
//!
//! ```text
//! cargo run --bin mcp-doctor -- https://host/mcp [--password PW] [--token T] [--json]
//! ```
//!
//! Everything but the command line lives in the library, `remote_mcp::doctor`
//! (src/doctor/), where it is documented and tested. Exit status: 0 when no
//! check failed, 1 when one did, 2 on a usage error.
#![forbid(unsafe_code)]

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use remote_mcp::crypto::secret::Secret;
use remote_mcp::doctor::{self, Options};
// The step line above links to the flow, as every file's does.
pub use remote_mcp::_documentation;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match Options::parse(&args) {
        Ok(options) => options,
        Err(message) if message == doctor::USAGE => {
            println!("{message}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("mcp-doctor: {message}\n\n{}", doctor::USAGE);
            return ExitCode::from(2);
        }
    };
    let mut options = options;
    if options.password.is_none() && options.token.is_none() {
        options.password = std::env::var("MCP_DOCTOR_PASSWORD")
            .ok()
            .filter(|p| !p.is_empty())
            .map(Secret::new);
    }
    let report = doctor::run(&options);
    let text = if options.json {
        format!("{:#}\n", report.to_json())
    } else {
        let color = !options.no_color
            && std::env::var_os("NO_COLOR").is_none()
            && std::io::stdout().is_terminal();
        report.render(color)
    };
    // A closed pipe (`mcp-doctor … | head`) is not worth a panic.
    let _ = std::io::stdout().write_all(text.as_bytes());
    if report.failed() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
