//! XML records: every `record` element, its fields child elements (dotted paths for nested
//! ones) or attributes (`@name` for an attribute only), matched on local names.

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::fields::{Field, Fields};

/// One element of a record: local name, attributes, text, children.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Node {
    /// Local name.
    pub name: String,
    /// Attributes, by local name.
    pub attributes: Vec<(String, String)>,
    /// Its own text (entities resolved, CDATA included).
    pub text: String,
    /// Child elements.
    pub children: Vec<Node>,
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

fn entity(name: &str) -> Option<char> {
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "apos" => '\'',
        "quot" => '"',
        _ => return None,
    })
}

impl Node {
    /// Parses one record element.
    ///
    /// # Errors
    /// Malformed XML, in words.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let text = std::str::from_utf8(bytes).map_err(|e| format!("the record is not UTF-8: {e}"))?;
        let mut reader = Reader::from_str(text);
        let mut stack: Vec<Node> = Vec::new();
        let bad = |e: &dyn std::fmt::Display| format!("the record is not well-formed XML: {e}");
        loop {
            let event = reader.read_event().map_err(|e| bad(&e))?;
            let empty = matches!(event, Event::Empty(_));
            match event {
                Event::Start(e) | Event::Empty(e) => {
                    let mut node = Node { name: local(e.name().as_ref()).to_string(), ..Node::default() };
                    for a in e.attributes() {
                        let a = a.map_err(|e| bad(&e))?;
                        let value =
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0).map_err(|e| bad(&e))?;
                        node.attributes.push((local(a.key.as_ref()).to_string(), value.into_owned()));
                    }
                    if empty {
                        match stack.last_mut() {
                            Some(parent) => parent.children.push(node),
                            None => return Ok(node),
                        }
                    } else {
                        stack.push(node);
                    }
                }
                Event::End(_) => {
                    let node = stack.pop().ok_or_else(|| bad(&"a close tag without its open tag"))?;
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(node),
                        None => return Ok(node),
                    }
                }
                Event::Text(t) => {
                    if let Some(n) = stack.last_mut() {
                        n.text.push_str(&t.xml10_content());
                    }
                }
                Event::CData(t) => {
                    if let Some(n) = stack.last_mut() {
                        n.text.push_str(&t.into_inner());
                    }
                }
                Event::GeneralRef(r) => {
                    let c = match r.resolve_char_ref().map_err(|e| bad(&e))? {
                        Some(c) => c,
                        None => entity(&r).ok_or_else(|| format!("unknown entity &{};", &*r))?,
                    };
                    if let Some(n) = stack.last_mut() {
                        n.text.push(c);
                    }
                }
                Event::Eof => return Err(bad(&"the record ends before its close tag")),
                _ => {}
            }
        }
    }

    fn child(&self, name: &str) -> Option<&Node> {
        self.children
            .iter()
            .find(|c| c.name == name)
            .or_else(|| self.children.iter().find(|c| c.name.eq_ignore_ascii_case(name)))
    }

    fn attribute(&self, name: &str) -> Option<&str> {
        let find = |exact: bool| {
            self.attributes
                .iter()
                .find(|(k, _)| if exact { k == name } else { k.eq_ignore_ascii_case(name) })
                .map(|(_, v)| v.as_str())
        };
        find(true).or_else(|| find(false))
    }
}

impl Fields for Node {
    fn field(&self, path: &str) -> Option<Field> {
        let mut node = self;
        let mut keys = path.split('.').peekable();
        while let Some(key) = keys.next() {
            let last = keys.peek().is_none();
            if let Some(attr) = key.strip_prefix('@') {
                return if last { node.attribute(attr).map(|v| Field::Text(v.to_string())) } else { None };
            }
            match node.child(key) {
                Some(c) => node = c,
                None if last => return node.attribute(key).map(|v| Field::Text(v.to_string())),
                None => return None,
            }
        }
        Some(Field::Text(node.text.clone()))
    }
}
