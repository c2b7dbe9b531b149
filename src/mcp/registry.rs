//! **[28–29](crate::_documentation::flow) Tool calls — what is registered,
//! by name.** Tools, prompts and resources are each kept the same way: in
//! the order they were registered (the order `tools/list`, `prompts/list`
//! and `resources/list` show) and findable by name in one hash lookup
//! (`tools/call`, `prompts/get`, `resources/read`). A name registered twice
//! is a programming error, caught when the server is built.
//!
//! # Where this sits
//! Held by [`crate::McpServer`] (its tools) and by the capabilities
//! extension (prompts, resources); filled by their builder methods.

use std::collections::HashMap;

/// Items in registration order, each under a unique name.
pub(crate) struct Registry<T> {
    items: Vec<T>,
    index: HashMap<String, usize>,
}

impl<T> Default for Registry<T> {
    fn default() -> Self {
        Registry {
            items: Vec::new(),
            index: HashMap::new(),
        }
    }
}

impl<T> Registry<T> {
    /// Adds `item` under `name`; `what` names the kind in the panic message.
    ///
    /// # Panics
    /// If `name` is already registered: ``{what} `{name}` is registered twice``.
    pub(crate) fn add(&mut self, what: &str, name: &str, item: T) {
        let previous = self.index.insert(name.to_string(), self.items.len());
        assert!(previous.is_none(), "{what} `{name}` is registered twice");
        self.items.push(item);
    }

    /// The item registered under `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&T> {
        self.index.get(name).and_then(|i| self.items.get(*i))
    }

    /// Every item, in registration order.
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    /// How many are registered.
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether none is.
    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_keep_their_order_and_are_found_by_name() {
        let mut r = Registry::default();
        r.add("tool", "b", 2);
        r.add("tool", "a", 1);
        assert_eq!(r.iter().copied().collect::<Vec<_>>(), vec![2, 1]);
        assert_eq!(r.get("a"), Some(&1));
        assert_eq!(r.get("c"), None);
        assert_eq!(r.len(), 2);
    }

    #[test]
    #[should_panic(expected = "prompt `a` is registered twice")]
    fn a_name_registered_twice_panics() {
        let mut r = Registry::default();
        r.add("prompt", "a", 1);
        r.add("prompt", "a", 2);
    }
}
