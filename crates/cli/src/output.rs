//! What the commands print on standard output. A reader that closes the pipe early
//! (`cohesion … | head`) ends the command quietly, as Unix tools do on SIGPIPE,
//! instead of the panic `println!` raises.

use std::io::Write;

/// Writes `args` to standard output, flushed; exits with status 0 when the reader has
/// gone, with status 1 on any other write failure.
pub fn write(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("cannot write to standard output: {e}");
        std::process::exit(1);
    }
}

/// `println!` for the commands' output (see the module).
macro_rules! outln {
    () => { $crate::output::write(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::write(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `print!` for the commands' output (see the module).
macro_rules! out {
    ($($arg:tt)*) => { $crate::output::write(format_args!($($arg)*)) };
}

pub(crate) use {out, outln};
