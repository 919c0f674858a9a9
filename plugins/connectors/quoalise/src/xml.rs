//! A small XML reader for the stanzas this connector handles, and escaping for the ones it
//! writes.
//!
//! Why not a crate: the host's XMPP transport already parsed every stanza (minidom) and hands
//! the plugin its well-formed serialization, so the guest needs only elements, attributes,
//! text, the five entities and numeric references, comments, CDATA and namespaces. A few hundred
//! lines keep the component small and add no dependency to the guest workspace (quick-xml is
//! not in its lock file, and minidom's `rxml` pulls more than a sans-IO plugin needs).

/// An element: its local name, its namespace (resolved from `xmlns` declarations in scope),
/// its attributes (without namespace declarations, prefixes dropped) and its children.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// Local name (`iq`, `command`).
    pub name: String,
    /// Namespace URI, empty when none is in scope.
    pub ns: String,
    /// Attributes, in document order.
    pub attrs: Vec<(String, String)>,
    /// Child nodes, in document order.
    pub children: Vec<Node>,
}

/// A child node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A child element.
    Element(Element),
    /// Character data (entities resolved).
    Text(String),
}

impl Element {
    /// The value of attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Child elements, in order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The first child element named `name` in namespace `ns` (`None` for any namespace).
    pub fn child(&self, name: &str, ns: Option<&str>) -> Option<&Element> {
        self.elements().find(|e| e.name == name && ns.is_none_or(|n| e.ns == n))
    }

    /// Every child element named `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.elements().filter(move |e| e.name == name)
    }

    /// The text of this element (its direct text children, concatenated).
    pub fn text(&self) -> String {
        self.children
            .iter()
            .filter_map(|n| match n {
                Node::Text(t) => Some(t.as_str()),
                Node::Element(_) => None,
            })
            .collect()
    }
}

/// Escapes text or an attribute value (quoted with `'` or `"`).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Parses a document holding one root element (an XML declaration, comments and whitespace
/// around it are skipped).
///
/// # Errors
/// A description of the first problem and its byte offset.
pub fn parse(text: &str) -> Result<Element, String> {
    let mut p = Parser { s: text, i: 0 };
    p.misc()?;
    let root = p.element(&[])?;
    p.misc()?;
    if p.i < p.s.len() {
        return Err(p.err("content after the root element"));
    }
    Ok(root)
}

/// Namespace declarations in scope: (prefix, uri), the default namespace under prefix "".
type Scope = [(String, String)];

struct Parser<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Parser<'a> {
    fn err(&self, what: &str) -> String {
        format!("{what} at byte {}", self.i)
    }

    fn rest(&self) -> &'a str {
        self.s.get(self.i..).unwrap_or("")
    }

    fn skip_ws(&mut self) {
        let rest = self.rest();
        self.i += rest.len() - rest.trim_start().len();
    }

    /// Skips whitespace, comments, processing instructions and a doctype.
    fn misc(&mut self) -> Result<(), String> {
        loop {
            self.skip_ws();
            let rest = self.rest();
            if rest.starts_with("<!--") {
                self.skip_past("-->")?;
            } else if rest.starts_with("<?") {
                self.skip_past("?>")?;
            } else if rest.starts_with("<!") {
                self.skip_past(">")?;
            } else {
                return Ok(());
            }
        }
    }

    fn skip_past(&mut self, end: &str) -> Result<(), String> {
        match self.rest().find(end) {
            Some(at) => {
                self.i += at + end.len();
                Ok(())
            }
            None => Err(self.err(&format!("no closing {end:?}"))),
        }
    }

    fn name(&mut self) -> Result<&'a str, String> {
        let rest = self.rest();
        let len = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '/' | '>' | '=' | '<' | '"' | '\''))
            .unwrap_or(rest.len());
        if len == 0 {
            return Err(self.err("a name expected"));
        }
        let name = rest.get(..len).unwrap_or("");
        self.i += len;
        Ok(name)
    }

    fn element(&mut self, scope: &Scope) -> Result<Element, String> {
        if !self.rest().starts_with('<') {
            return Err(self.err("an element expected"));
        }
        self.i += 1;
        let qname = self.name()?.to_string();
        let mut raw_attrs = Vec::new();
        let empty = loop {
            self.skip_ws();
            let rest = self.rest();
            if rest.starts_with("/>") {
                self.i += 2;
                break true;
            }
            if rest.starts_with('>') {
                self.i += 1;
                break false;
            }
            let key = self.name()?.to_string();
            self.skip_ws();
            if !self.rest().starts_with('=') {
                return Err(self.err("'=' expected after an attribute name"));
            }
            self.i += 1;
            self.skip_ws();
            let quote = self.rest().chars().next().filter(|c| *c == '"' || *c == '\'');
            let Some(quote) = quote else { return Err(self.err("a quoted attribute value expected")) };
            self.i += 1;
            let Some(end) = self.rest().find(quote) else { return Err(self.err("unterminated attribute")) };
            let raw = self.rest().get(..end).unwrap_or("");
            let value = unescape(raw).map_err(|e| self.err(&e))?;
            self.i += end + 1;
            raw_attrs.push((key, value));
        };
        let mut own: Vec<(String, String)> = scope.to_vec();
        let mut attrs = Vec::new();
        for (k, v) in raw_attrs {
            if k == "xmlns" {
                own.push((String::new(), v));
            } else if let Some(prefix) = k.strip_prefix("xmlns:") {
                own.push((prefix.to_string(), v));
            } else {
                let local = k.rsplit(':').next().unwrap_or(&k).to_string();
                attrs.push((local, v));
            }
        }
        let (prefix, name) = match qname.split_once(':') {
            Some((p, n)) => (p.to_string(), n.to_string()),
            None => (String::new(), qname.clone()),
        };
        let ns = own.iter().rev().find(|(p, _)| *p == prefix).map(|(_, u)| u.clone()).unwrap_or_default();
        let mut element = Element { name, ns, attrs, children: Vec::new() };
        if empty {
            return Ok(element);
        }
        loop {
            let rest = self.rest();
            if rest.is_empty() {
                return Err(self.err(&format!("<{qname}> is not closed")));
            }
            if let Some(after) = rest.strip_prefix("</") {
                let close = after.find('>').ok_or_else(|| self.err("unterminated closing tag"))?;
                let closing = after.get(..close).unwrap_or("").trim();
                if closing != qname {
                    return Err(self.err(&format!("</{closing}> closes <{qname}>")));
                }
                self.i += 2 + close + 1;
                return Ok(element);
            }
            if rest.starts_with("<!--") {
                self.skip_past("-->")?;
            } else if let Some(after) = rest.strip_prefix("<![CDATA[") {
                let end = after.find("]]>").ok_or_else(|| self.err("unterminated CDATA"))?;
                push_text(&mut element, after.get(..end).unwrap_or(""));
                self.i += 9 + end + 3;
            } else if rest.starts_with("<?") {
                self.skip_past("?>")?;
            } else if rest.starts_with('<') {
                let child = self.element(&own)?;
                element.children.push(Node::Element(child));
            } else {
                let end = rest.find('<').unwrap_or(rest.len());
                let text = unescape(rest.get(..end).unwrap_or("")).map_err(|e| self.err(&e))?;
                push_text(&mut element, &text);
                self.i += end;
            }
        }
    }
}

fn push_text(element: &mut Element, text: &str) {
    if let Some(Node::Text(t)) = element.children.last_mut() {
        t.push_str(text);
    } else {
        element.children.push(Node::Text(text.to_string()));
    }
}

/// Resolves the five entities and numeric character references.
fn unescape(raw: &str) -> Result<String, String> {
    if !raw.contains('&') {
        return Ok(raw.to_string());
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(rest.get(..at).unwrap_or(""));
        let after = rest.get(at + 1..).unwrap_or("");
        let end = after.find(';').ok_or("an entity without ';'")?;
        let entity = after.get(..end).unwrap_or("");
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            e => {
                let code = if let Some(hex) = e.strip_prefix("#x").or_else(|| e.strip_prefix("#X")) {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = e.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32).ok_or_else(|| format!("unknown entity &{e};"))?
            }
        };
        out.push(c);
        rest = after.get(end + 1..).unwrap_or("");
    }
    out.push_str(rest);
    Ok(out)
}
