/// Decoding of HTML character references (`&amp;`, `&#8212;`, `&#x27;`).
///
/// The named table covers what documentation generators (Sphinx, DocBook XSL, Markdown
/// renderers) actually emit plus the common typography; an unknown name is left as written,
/// as browsers do.
enum HTMLEntities {
    static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}",
        "copy": "©", "reg": "®", "trade": "™", "hellip": "…", "mdash": "—", "ndash": "–",
        "lsquo": "‘", "rsquo": "’", "sbquo": "‚", "ldquo": "“", "rdquo": "”", "bdquo": "„",
        "laquo": "«", "raquo": "»", "lsaquo": "‹", "rsaquo": "›", "bull": "•", "middot": "·",
        "para": "¶", "sect": "§", "deg": "°", "times": "×", "divide": "÷", "minus": "−",
        "plusmn": "±", "micro": "µ", "le": "≤", "ge": "≥", "ne": "≠", "asymp": "≈",
        "equiv": "≡", "infin": "∞", "larr": "←", "rarr": "→", "uarr": "↑", "darr": "↓",
        "harr": "↔", "lArr": "⇐", "rArr": "⇒", "hArr": "⇔", "dagger": "†", "Dagger": "‡",
        "prime": "′", "Prime": "″", "euro": "€", "pound": "£", "yen": "¥", "cent": "¢",
        "iexcl": "¡", "iquest": "¿", "shy": "\u{AD}", "zwj": "\u{200D}", "zwnj": "\u{200C}",
        "thinsp": "\u{2009}", "ensp": "\u{2002}", "emsp": "\u{2003}", "frac12": "½",
        "frac14": "¼", "frac34": "¾", "sup1": "¹", "sup2": "²", "sup3": "³", "not": "¬",
        "ordf": "ª", "ordm": "º", "acute": "´", "uml": "¨", "macr": "¯", "cedil": "¸",
        "szlig": "ß", "aelig": "æ", "AElig": "Æ", "oslash": "ø", "Oslash": "Ø", "aring": "å",
        "Aring": "Å", "ccedil": "ç", "Ccedil": "Ç", "ntilde": "ñ", "Ntilde": "Ñ",
        "eacute": "é", "Eacute": "É", "egrave": "è", "Egrave": "È", "ecirc": "ê", "euml": "ë",
        "aacute": "á", "Aacute": "Á", "agrave": "à", "Agrave": "À", "acirc": "â", "auml": "ä",
        "Auml": "Ä", "atilde": "ã", "iacute": "í", "igrave": "ì", "icirc": "î", "iuml": "ï",
        "oacute": "ó", "Oacute": "Ó", "ograve": "ò", "ocirc": "ô", "ouml": "ö", "Ouml": "Ö",
        "otilde": "õ", "uacute": "ú", "Uacute": "Ú", "ugrave": "ù", "ucirc": "û", "uuml": "ü",
        "Uuml": "Ü", "yacute": "ý", "yuml": "ÿ", "alpha": "α", "beta": "β", "gamma": "γ",
        "delta": "δ", "epsilon": "ε", "lambda": "λ", "mu": "μ", "pi": "π", "sigma": "σ",
        "tau": "τ", "phi": "φ", "omega": "ω", "Delta": "Δ", "Sigma": "Σ", "Omega": "Ω",
        "sum": "∑", "prod": "∏", "radic": "√", "isin": "∈", "notin": "∉", "cap": "∩",
        "cup": "∪", "sub": "⊂", "sup": "⊃", "and": "∧", "or": "∨", "forall": "∀",
        "exist": "∃", "empty": "∅", "nabla": "∇", "part": "∂", "int": "∫", "loz": "◊",
    ]

    /// The text a reference stands for. `body` is what sits between `&` and `;`.
    static func decode(_ body: Substring) -> String? {
        if body.hasPrefix("#") {
            let digits = body.dropFirst()
            let value: UInt32?
            if digits.hasPrefix("x") || digits.hasPrefix("X") {
                value = UInt32(digits.dropFirst(), radix: 16)
            } else {
                value = UInt32(digits, radix: 10)
            }
            // NUL and surrogates become U+FFFD, as the HTML standard prescribes.
            guard let value else { return nil }
            guard value != 0, let scalar = Unicode.Scalar(value) else { return "\u{FFFD}" }
            return String(Character(scalar))
        }
        return named[String(body)]
    }

    /// `text` with every well-formed reference replaced.
    static func decodeAll(in text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var rest = text[...]
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let afterAmp = rest.index(after: amp)
            // References are short; looking at most 32 characters ahead keeps a stray `&` in a
            // long paragraph from costing a scan to its end.
            let window = rest[afterAmp...].prefix(32)
            if let semicolon = window.firstIndex(of: ";"),
                let decoded = decode(rest[afterAmp..<semicolon])
            {
                out += decoded
                rest = rest[rest.index(after: semicolon)...]
            } else {
                out += "&"
                rest = rest[afterAmp...]
            }
        }
        out += rest
        return out
    }
}
