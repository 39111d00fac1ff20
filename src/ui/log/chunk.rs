//! The log's window in chunks of [`CHUNK`](super::CHUNK) lines, each rendered
//! only when one of its lines changed: a new message renders the last chunk
//! (at most 50 lines to compare), not the whole window of 200 to 250.

use super::line::LineView;
use crate::room::Line;
use crate::ui::th;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties)]
pub struct ChunkProps {
    /// The chunk's lines, the room's own copies.
    pub lines: Rc<[Rc<Line>]>,
    /// The line shown just above the chunk, for grouping its first line.
    pub before: Option<Rc<Line>>,
    /// The key of the first line that arrived unseen, when it is in this chunk.
    pub divider: Option<u64>,
    pub me: AttrValue,
    pub ctl: Rc<crate::app::Controller>,
}

impl PartialEq for ChunkProps {
    /// One pointer comparison per line: a line that changed is a new `Rc`.
    fn eq(&self, other: &Self) -> bool {
        let same = |a: &Rc<Line>, b: &Rc<Line>| Rc::ptr_eq(a, b);
        self.lines.len() == other.lines.len()
            && self
                .lines
                .iter()
                .zip(other.lines.iter())
                .all(|(a, b)| same(a, b))
            && match (&self.before, &other.before) {
                (Some(a), Some(b)) => same(a, b),
                (a, b) => a.is_none() && b.is_none(),
            }
            && self.divider == other.divider
            && self.me == other.me
            && Rc::ptr_eq(&self.ctl, &other.ctl)
    }
}

/// Up to [`CHUNK`](super::CHUNK) keyed lines, with the "New messages"
/// divider before the first unseen one, in a list of their own: a chunk out
/// of view skips layout and paint as one box (see `.chunk` in the CSS), so
/// the browser tracks a few chunks' visibility each frame, not every line's.
#[function_component(Chunk)]
pub fn chunk(props: &ChunkProps) -> Html {
    let mut previous = props.before.as_ref();
    let mut items = Vec::with_capacity(props.lines.len() + 1);
    for line in props.lines.iter() {
        if props.divider == Some(line.key) {
            items.push(html! { <li key="divider" class="divider">{ th("New messages") }</li> });
        }
        // A line is rendered again only when it (or its grouping, or the
        // user's name) changed.
        items.push(html! {
            <LineView key={line.key} line={line.clone()} me={props.me.clone()} ctl={props.ctl.clone()}
                cont={previous.is_some_and(|p| line.continues(p))} />
        });
        previous = Some(line);
    }
    html! { <ol class="chunk">{ for items }</ol> }
}
