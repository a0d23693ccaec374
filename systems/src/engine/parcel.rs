//! The messages one sender chunk queues for one receiving chunk at one wheel slot.
//!
//! The first `PAGE` messages sit in a `Vec` that grows as usual; the rest go to pages of
//! exactly `PAGE` messages, never grown, each started when the one before is full and
//! recycled within the sender chunk. Plain doubling `Vec`s spread over several allocator
//! size classes whose peaks rose with the run's length; a full first buffer and every page
//! are the same size, so the traffic's swings move blocks within one class (BENCHMARKS.md,
//! "Design history"). Pages are also never copied to grow.

use crate::model::message::Message;

/// Messages per page: 128 of 24 bytes is 3 KiB, a size the allocator serves from one class,
/// and also where a doubling `Vec` lands (4, 8, ..., 128).
pub const PAGE: usize = 128;

#[derive(Default, Debug)]
pub struct Parcel {
    /// Full pages (the first one the buffer that grew to `PAGE`), oldest first.
    full: Vec<Vec<Message>>,
    /// The buffer being filled, after every full page; at most `PAGE` messages. A delivered
    /// parcel's is recycled to start another (see `Mailbox`).
    pub open: Vec<Message>,
}

impl Parcel {
    /// Queues `msg`; a new page comes from `spare_pages` when it has one.
    #[inline]
    pub fn push(&mut self, msg: Message, spare_pages: &mut Vec<Vec<Message>>) {
        if self.open.len() == self.open.capacity() {
            self.make_room(spare_pages);
        }
        self.open.push(msg);
    }

    /// Room for one more message: the open buffer doubles up to `PAGE`, then starts a page.
    #[cold]
    fn make_room(&mut self, spare_pages: &mut Vec<Vec<Message>>) {
        if self.open.len() < PAGE {
            self.open.reserve(1);
        } else {
            let page = spare_pages
                .pop()
                .unwrap_or_else(|| Vec::with_capacity(PAGE));
            let full = std::mem::replace(&mut self.open, page);
            self.full.push(full);
        }
    }

    /// Empties the parcel: its full pages go to `spare_pages`, its open buffer is returned.
    pub fn unpack(self, spare_pages: &mut Vec<Vec<Message>>) -> Vec<Message> {
        for mut page in self.full {
            page.clear();
            spare_pages.push(page);
        }
        self.open
    }

    pub fn iter(&self) -> impl Iterator<Item = &Message> {
        self.slices().flatten()
    }

    /// The messages as contiguous runs, in order: loops over these stay tight.
    pub fn slices(&self) -> impl Iterator<Item = &[Message]> {
        self.full
            .iter()
            .map(|p| &p[..])
            .chain(std::iter::once(&self.open[..]))
    }

    pub fn len(&self) -> usize {
        self.full.len() * PAGE + self.open.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Messages the parcel has room for without allocating.
    pub fn capacity(&self) -> usize {
        self.full.len() * PAGE + self.open.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::message::Kind;

    #[test]
    fn messages_keep_their_order_across_pages_and_pages_never_grow() {
        let mut parcel = Parcel::default();
        assert!(parcel.is_empty());
        let msg = |i: u32| Message {
            to: i,
            from: 0,
            block: 0,
            sent: 0,
            target: 0,
            kind: Kind(6),
            mask: 0,
            holds: 0,
        };
        let n = 3 * PAGE as u32 + 7;
        let mut spare = Vec::new();
        for i in 0..n {
            parcel.push(msg(i), &mut spare);
        }
        assert_eq!(parcel.len(), n as usize);
        assert_eq!(parcel.full.len(), 3);
        assert!(parcel.full.iter().all(|p| p.capacity() == PAGE));
        assert_eq!(parcel.open.capacity(), PAGE);
        assert_eq!(parcel.capacity(), 4 * PAGE);
        let order: Vec<u32> = parcel.iter().map(|m| m.to).collect();
        assert_eq!(order, (0..n).collect::<Vec<_>>());
        let open = parcel.unpack(&mut spare);
        assert_eq!((open.len(), spare.len()), (7, 3));
        // Recycled pages serve the next parcel.
        let mut next = Parcel::default();
        for i in 0..2 * PAGE as u32 {
            next.push(msg(i), &mut spare);
        }
        assert_eq!(spare.len(), 2);
        assert_eq!(std::mem::size_of::<Message>() * PAGE, 3 * 1024);
    }
}
