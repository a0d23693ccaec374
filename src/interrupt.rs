//! Ctrl-C (SIGINT) stops a run at the next tick boundary instead of killing it, so the
//! outputs written so far are closed properly and marked partial.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Clone)]
pub struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    /// Installs the handler. If that is impossible (a handler already exists), Ctrl-C keeps
    /// its default effect and the run simply cannot be stopped cleanly.
    pub fn install() -> Self {
        let flag = Arc::new(AtomicBool::new(false));
        let handler_flag = flag.clone();
        let _ = ctrlc::set_handler(move || handler_flag.store(true, Ordering::SeqCst));
        Self(flag)
    }

    pub fn requested(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
