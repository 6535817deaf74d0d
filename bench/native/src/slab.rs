// Connections by epoll token. A token is (generation << 32 | index): an event still queued for a
// connection that has since closed names an old generation and finds nothing, even when a new
// connection has taken its slot.

pub struct Slab<T> {
    entries: Vec<(u32, Option<T>)>,
    free: Vec<u32>,
}

impl<T> Slab<T> {
    pub fn new() -> Slab<T> {
        Slab { entries: Vec::new(), free: Vec::new() }
    }

    /// Stores a value built from its token; returns the token.
    pub fn insert_with(&mut self, make: impl FnOnce(u64) -> T) -> u64 {
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                self.entries.push((0, None));
                (self.entries.len() - 1) as u32
            }
        };
        let entry = &mut self.entries[index as usize];
        entry.0 = entry.0.wrapping_add(1);
        let token = (u64::from(entry.0) << 32) | u64::from(index);
        entry.1 = Some(make(token));
        token
    }

    pub fn get_mut(&mut self, token: u64) -> Option<&mut T> {
        let (generation, index) = ((token >> 32) as u32, token as u32);
        match self.entries.get_mut(index as usize) {
            Some((g, Some(value))) if *g == generation => Some(value),
            _ => None,
        }
    }

    pub fn remove(&mut self, token: u64) -> Option<T> {
        let (generation, index) = ((token >> 32) as u32, token as u32);
        match self.entries.get_mut(index as usize) {
            Some((g, slot)) if *g == generation && slot.is_some() => {
                self.free.push(index);
                slot.take()
            }
            _ => None,
        }
    }

    /// Tokens of every stored value (a copy: the caller may remove while walking it).
    pub fn tokens(&self) -> Vec<u64> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, (_, value))| value.is_some())
            .map(|(index, (generation, _))| (u64::from(*generation) << 32) | index as u64)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Slab;

    #[test]
    fn a_reused_slot_does_not_answer_to_an_old_token() {
        let mut slab = Slab::new();
        let a = slab.insert_with(|_| "a");
        assert_eq!(slab.remove(a), Some("a"));
        let b = slab.insert_with(|_| "b");
        assert_eq!(a as u32, b as u32, "same slot");
        assert!(slab.get_mut(a).is_none());
        assert_eq!(slab.get_mut(b), Some(&mut "b"));
        assert_eq!(slab.remove(a), None);
        assert_eq!(slab.tokens(), vec![b]);
    }
}
