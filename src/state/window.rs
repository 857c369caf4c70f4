//! Which part of a thread is on the page. All loaded history stays in memory; the page holds
//! at most [`MAX_ROWS`] messages of it, a window that slides a [`STEP`] at a time as the person
//! scrolls, so the page's cost does not grow with the history.

use std::ops::Range;

use confab_api::Id;

use super::Thread;

/// Message rows in the page at most.
pub const MAX_ROWS: usize = 100;
/// Rows added (and, past the maximum, dropped at the other end) per slide.
pub const STEP: usize = 35;

/// From the message `from` to the message `to`, by id; `to: None` is the live end (newest
/// messages and pending sends included). `from: 0` (nothing chosen yet) is the oldest loaded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Window {
    pub from: Id,
    pub to: Option<Id>,
}

fn id_at(t: &Thread, i: usize) -> Id {
    t.items.get(i).map(|i| i.message.message_id).unwrap_or_default()
}

impl Window {
    /// The thread's items it covers.
    pub fn range(&self, t: &Thread) -> Range<usize> {
        let start = if self.from <= 0 { 0 } else { t.slot(self.from).unwrap_or_else(|at| at) };
        let end = match self.to {
            None => t.items.len(),
            Some(to) => t.slot(to).map_or_else(|at| at, |at| at + 1),
        };
        start..end.max(start)
    }

    fn spanning(t: &Thread, start: usize, end: usize) -> Window {
        let to = (end < t.confirmed()).then(|| id_at(t, end.saturating_sub(1)));
        Window { from: id_at(t, start), to }
    }

    /// The newest messages, with room for a step of new ones.
    pub fn newest(t: &Thread) -> Window {
        let len = t.items.len();
        Window::spanning(t, len.saturating_sub(MAX_ROWS - STEP), len)
    }

    /// Around the message `id` (jump to a mention).
    pub fn around(t: &Thread, id: Id) -> Window {
        let at = t.slot(id).unwrap_or_else(|at| at);
        let start = at.saturating_sub(STEP);
        Window::spanning(t, start, (start + MAX_ROWS - STEP).min(t.items.len()))
    }

    /// A step toward older loaded messages, dropping newer ones past the maximum; `None` when
    /// the oldest loaded one is already in (the next page must come from the server).
    pub fn older(&self, t: &Thread) -> Option<Window> {
        let r = self.range(t);
        if r.start == 0 {
            return None;
        }
        let start = r.start.saturating_sub(STEP);
        let end = r.end.min(start + MAX_ROWS);
        Some(Window::spanning(t, start, end))
    }

    /// A step toward newer messages, dropping older ones past the maximum; `None` at the live end.
    pub fn newer(&self, t: &Thread) -> Option<Window> {
        self.to?;
        let r = self.range(t);
        let end = (r.end + STEP).min(t.items.len());
        let start = r.start.max(end.saturating_sub(MAX_ROWS));
        Some(Window::spanning(t, start, end))
    }

    /// At the live end, after new messages: the oldest rows go once there are too many.
    pub fn following(&self, t: &Thread) -> Window {
        let r = self.range(t);
        if self.to.is_none() && r.len() > MAX_ROWS {
            Window::spanning(t, r.end - (MAX_ROWS - STEP), r.end)
        } else {
            *self
        }
    }

    /// Scrolled up while messages keep coming: the live end stops growing the page (the
    /// "new messages" button takes over) once there are too many.
    pub fn held(&self, t: &Thread) -> Window {
        let r = self.range(t);
        if self.to.is_none() && r.len() > MAX_ROWS {
            Window::spanning(t, r.start, r.start + MAX_ROWS)
        } else {
            *self
        }
    }
}

/// The rows of a list of `len` rows, each `row_px` high, to draw when scrolled `scroll_px` down a
/// view `view_px` high: those in view and `overscan` more at each end.
pub fn list_range(len: usize, scroll_px: f64, view_px: f64, row_px: f64, overscan: usize) -> Range<usize> {
    let row_px = row_px.max(1.0);
    let first = (scroll_px.max(0.0) / row_px) as usize;
    let shown = (view_px.max(0.0) / row_px).ceil() as usize + 1;
    let start = first.saturating_sub(overscan).min(len);
    start..(first + shown + overscan).min(len)
}
