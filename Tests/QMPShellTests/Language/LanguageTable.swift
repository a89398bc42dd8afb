/// The language, case by case. Every row runs through the library and through the built
/// `qmp-shell --dry-run`.
enum LanguageTable {
  static let commands: [LanguageCase] = [
    accepts("stop", #"{"execute":"stop"}"#),
    accepts("   stop   ", #"{"execute":"stop"}"#),
    accepts("query-status", #"{"execute":"query-status"}"#),
    accepts(
      "device_add driver=e1000 id=net0",
      #"{"execute":"device_add","arguments":{"driver":"e1000","id":"net0"}}"#),
    accepts(
      "__com.redhat_drive-mirror x=1",
      #"{"execute":"__com.redhat_drive-mirror","arguments":{"x":1}}"#),
    accepts(
      "set_link\tname=n0\t up=false",
      #"{"execute":"set_link","arguments":{"name":"n0","up":false}}"#),
    accepts("stop\ncont", #"{"execute":"stop"}"#, #"{"execute":"cont"}"#),
    accepts("stop\r", #"{"execute":"stop"}"#),
    rejects(
      "a.b=1",
      "line 1, column 1: a line starts with a command name, not with a KEY=VALUE pair (a.b=1)"),
    rejects(
      "dev!ce x=1",
      "line 1, column 4: invalid character in command name dev!ce (names use letters, digits, '_', '-' and '.')"
    ),
    rejects(
      #""stop""#,
      #"line 1, column 1: invalid character in command name "stop" (names use letters, digits, '_', '-' and '.')"#
    ),
    rejects("[1]", "line 1, column 1: a JSON command must be an object {...}, not an array"),
    rejects(
      "stop\ncont x\nquit", "line 2, column 6: expected KEY=VALUE, found x",
      before: [#"{"execute":"stop"}"#]),
  ]

  static let comments: [LanguageCase] = [
    accepts("# a comment"),
    accepts("    # indented comment"),
    accepts(""),
    accepts("   \t "),
    accepts("# c\n\nstop\n# d", #"{"execute":"stop"}"#),
    rejects("stop # not a comment", "line 1, column 6: expected KEY=VALUE, found #"),
    accepts("c s=#hash", ##"{"execute":"c","arguments":{"s":"#hash"}}"##),
    accepts(##"c s="# text""##, ##"{"execute":"c","arguments":{"s":"# text"}}"##),
  ]

  static let numbers: [LanguageCase] = [
    accepts("c n=0", #"{"execute":"c","arguments":{"n":0}}"#),
    accepts("c n=-1", #"{"execute":"c","arguments":{"n":-1}}"#),
    accepts("c n=42", #"{"execute":"c","arguments":{"n":42}}"#),
    accepts("c n=9223372036854775807", #"{"execute":"c","arguments":{"n":9223372036854775807}}"#),
    accepts("c n=-9223372036854775808", #"{"execute":"c","arguments":{"n":-9223372036854775808}}"#),
    accepts("c n=9223372036854775808", #"{"execute":"c","arguments":{"n":9223372036854775808}}"#),
    accepts("c n=18446744073709551615", #"{"execute":"c","arguments":{"n":18446744073709551615}}"#),
    accepts(
      "c n=18446744073709551616", #"{"execute":"c","arguments":{"n":1.8446744073709552e+19}}"#),
    accepts(
      "c n=-9223372036854775809", #"{"execute":"c","arguments":{"n":-9.223372036854776e+18}}"#),
    accepts("c n=-0", #"{"execute":"c","arguments":{"n":0}}"#),
    accepts("c n=1.5", #"{"execute":"c","arguments":{"n":1.5}}"#),
    accepts("c n=-2.25", #"{"execute":"c","arguments":{"n":-2.25}}"#),
    accepts("c n=1e3", #"{"execute":"c","arguments":{"n":1000.0}}"#),
    accepts("c n=2.5E-3", #"{"execute":"c","arguments":{"n":0.0025}}"#),
    accepts("c n=1e+2", #"{"execute":"c","arguments":{"n":100.0}}"#),
    accepts("c n=0.1", #"{"execute":"c","arguments":{"n":0.1}}"#),
    accepts("c n=007", #"{"execute":"c","arguments":{"n":"007"}}"#),
    accepts("c n=0x10", #"{"execute":"c","arguments":{"n":"0x10"}}"#),
    accepts("c n=+5", #"{"execute":"c","arguments":{"n":"+5"}}"#),
    accepts("c n=1.", #"{"execute":"c","arguments":{"n":"1."}}"#),
    accepts("c n=.5", #"{"execute":"c","arguments":{"n":".5"}}"#),
    accepts("c n=1e", #"{"execute":"c","arguments":{"n":"1e"}}"#),
    accepts("c n=1.5.6", #"{"execute":"c","arguments":{"n":"1.5.6"}}"#),
    accepts("c n=12ab", #"{"execute":"c","arguments":{"n":"12ab"}}"#),
    accepts("c n=-", #"{"execute":"c","arguments":{"n":"-"}}"#),
    accepts("c n=nan", #"{"execute":"c","arguments":{"n":"nan"}}"#),
    accepts("c n=inf", #"{"execute":"c","arguments":{"n":"inf"}}"#),
    rejects("c n=1e400", "line 1, column 5: number 1e400 is too large"),
    rejects("c n=-1e400", "line 1, column 5: number -1e400 is too large"),
  ]

  static let keywords: [LanguageCase] = [
    accepts("c b=true", #"{"execute":"c","arguments":{"b":true}}"#),
    accepts("c b=false", #"{"execute":"c","arguments":{"b":false}}"#),
    accepts("c m=null", #"{"execute":"c","arguments":{"m":null}}"#),
    accepts("c b=True", #"{"execute":"c","arguments":{"b":"True"}}"#),
    accepts("c m=None", #"{"execute":"c","arguments":{"m":"None"}}"#),
    accepts("c b=TRUE", #"{"execute":"c","arguments":{"b":"TRUE"}}"#),
    accepts("c b=on", #"{"execute":"c","arguments":{"b":"on"}}"#),
    accepts("c b=truex", #"{"execute":"c","arguments":{"b":"truex"}}"#),
  ]

  static let strings: [LanguageCase] = [
    accepts("c s=hello", #"{"execute":"c","arguments":{"s":"hello"}}"#),
    accepts(#"c s="hello""#, #"{"execute":"c","arguments":{"s":"hello"}}"#),
    accepts("c s='hello'", #"{"execute":"c","arguments":{"s":"hello"}}"#),
    accepts(#"c s="hello world""#, #"{"execute":"c","arguments":{"s":"hello world"}}"#),
    accepts("c s='a b  c' t=1", #"{"execute":"c","arguments":{"s":"a b  c","t":1}}"#),
    accepts(#"c s="tab\there""#, #"{"execute":"c","arguments":{"s":"tab\there"}}"#),
    accepts(#"c s="q\"uote""#, #"{"execute":"c","arguments":{"s":"q\"uote"}}"#),
    accepts(#"c s="\u00e9t\u00e9""#, #"{"execute":"c","arguments":{"s":"été"}}"#),
    accepts(#"c s="\ud83d\ude00""#, #"{"execute":"c","arguments":{"s":"😀"}}"#),
    accepts(#"c s="a\/b\\c\n""#, #"{"execute":"c","arguments":{"s":"a/b\\c\n"}}"#),
    accepts(#"c s='it"s'"#, #"{"execute":"c","arguments":{"s":"it\"s"}}"#),
    accepts(#"c s='back\slash'"#, #"{"execute":"c","arguments":{"s":"back\\slash"}}"#),
    accepts(#"c s='\n'"#, #"{"execute":"c","arguments":{"s":"\\n"}}"#),
    accepts(#"c s="123""#, #"{"execute":"c","arguments":{"s":"123"}}"#),
    accepts("c s='null'", #"{"execute":"c","arguments":{"s":"null"}}"#),
    accepts(#"c s="true""#, #"{"execute":"c","arguments":{"s":"true"}}"#),
    accepts("c s=", #"{"execute":"c","arguments":{"s":""}}"#),
    accepts("c s= t=1", #"{"execute":"c","arguments":{"s":"","t":1}}"#),
    accepts(#"c s="""#, #"{"execute":"c","arguments":{"s":""}}"#),
    accepts("c s=''", #"{"execute":"c","arguments":{"s":""}}"#),
    accepts("c s=a=b", #"{"execute":"c","arguments":{"s":"a=b"}}"#),
    accepts(#"c s=foo"bar"#, #"{"execute":"c","arguments":{"s":"foo\"bar"}}"#),
    accepts("c s=it's", #"{"execute":"c","arguments":{"s":"it's"}}"#),
    accepts("c s=héllo", #"{"execute":"c","arguments":{"s":"héllo"}}"#),
    accepts("c path=/tmp/disk.img", #"{"execute":"c","arguments":{"path":"/tmp/disk.img"}}"#),
    accepts("c s=a,b=c", #"{"execute":"c","arguments":{"s":"a,b=c"}}"#),
    accepts("c s=)", #"{"execute":"c","arguments":{"s":")"}}"#),
    rejects(#"c s="abc"#, "line 1, column 5: unterminated string"),
    rejects("c s='abc", "line 1, column 5: unterminated string: no closing '"),
    rejects(#"c s="a\qb""#, #"line 1, column 7: invalid escape \q in a string"#),
    rejects(#"c s="it\'s""#, #"line 1, column 8: invalid escape \' in a string"#),
    rejects(#"c s="\u12""#, #"line 1, column 6: \u needs four hex digits"#),
    rejects(#"c s="\ud800""#, #"line 1, column 6: lone surrogate \u escape in a string"#),
    rejects(#"c s="\udc00x""#, #"line 1, column 6: lone surrogate \u escape in a string"#),
    rejects(#"c s="\ud800\u0041""#, #"line 1, column 6: lone surrogate \u escape in a string"#),
    rejects(
      #"c s="abc"def"#,
      "line 1, column 10: unexpected text after the closing quote of s= (separate arguments with a blank)"
    ),
    rejects(
      "c s='abc'def",
      "line 1, column 10: unexpected text after the closing quote of s= (separate arguments with a blank)"
    ),
    rejects(
      "é s=1",
      "line 1, column 1: invalid character in command name é (names use letters, digits, '_', '-' and '.')"
    ),
    rejects("c é=1 s=\"x", "line 1, column 9: unterminated string"),
  ]

  static let literals: [LanguageCase] = [
    accepts("c o={}", #"{"execute":"c","arguments":{"o":{}}}"#),
    accepts("c a=[]", #"{"execute":"c","arguments":{"a":[]}}"#),
    accepts(#"c o={"a": 1}"#, #"{"execute":"c","arguments":{"o":{"a":1}}}"#),
    accepts(
      #"c o={'a': 1, "b": [true, None]}"#,
      #"{"execute":"c","arguments":{"o":{"a":1,"b":[true,null]}}}"#),
    accepts(
      "c o={'a': True, 'b': False, 'c': None}",
      #"{"execute":"c","arguments":{"o":{"a":true,"b":false,"c":null}}}"#),
    accepts("c a=[1, 2, 3]", #"{"execute":"c","arguments":{"a":[1,2,3]}}"#),
    accepts("c a=[1,2,3,]", #"{"execute":"c","arguments":{"a":[1,2,3]}}"#),
    accepts("c o={'a': 1,}", #"{"execute":"c","arguments":{"o":{"a":1}}}"#),
    accepts(#"c a=["x y", 'z w']"#, #"{"execute":"c","arguments":{"a":["x y","z w"]}}"#),
    accepts(
      #"c o={"n": {"m": [1, {"k": "v"}]}}"#,
      #"{"execute":"c","arguments":{"o":{"n":{"m":[1,{"k":"v"}]}}}}"#),
    accepts(
      "c a=[18446744073709551615, -9223372036854775808, 1.5e2]",
      #"{"execute":"c","arguments":{"a":[18446744073709551615,-9223372036854775808,150.0]}}"#),
    accepts(#"c o={'s': 'it\'s'}"#, #"{"execute":"c","arguments":{"o":{"s":"it's"}}}"#),
    accepts(#"c o={"s": "caf\u00e9"}"#, #"{"execute":"c","arguments":{"o":{"s":"café"}}}"#),
    accepts("c a=[ 1 , 2 ]", #"{"execute":"c","arguments":{"a":[1,2]}}"#),
    accepts("c a=[[[]]]", #"{"execute":"c","arguments":{"a":[[[]]]}}"#),
    accepts(#"c o={"a":1} b=2"#, #"{"execute":"c","arguments":{"o":{"a":1},"b":2}}"#),
    accepts("c a=[true,false,null]", #"{"execute":"c","arguments":{"a":[true,false,null]}}"#),
    accepts("c a=[-0.5,0,1E2]", #"{"execute":"c","arguments":{"a":[-0.5,0,100.0]}}"#),
    accepts(
      "c a=" + String(repeating: "[", count: 128) + String(repeating: "]", count: 128),
      #"{"execute":"c","arguments":{"a":"# + String(repeating: "[", count: 128)
        + String(repeating: "]", count: 128) + "}}"),
    rejects(
      "c a=" + String(repeating: "[", count: 129) + String(repeating: "]", count: 129),
      "line 1, column 133: nested more than 128 levels deep"),
    rejects(#"c o={"a": 1"#, "line 1, column 12: unclosed '{': expected ',' or '}'"),
    rejects(#"c o={"a" 1}"#, "line 1, column 10: expected ':' after a key, found '1'"),
    rejects("c o={a: 1}", "line 1, column 6: expected a quoted key, found 'a'"),
    rejects(#"c o={"a": 1, "a": 2}"#, #"line 1, column 14: duplicate key "a" in an object"#),
    rejects("c a=[1 2]", "line 1, column 8: expected ',' or ']' in an array, found '2'"),
    rejects("c a=[1,,2]", "line 1, column 8: expected a value, found ','"),
    rejects("c a=[,]", "line 1, column 6: expected a value, found ','"),
    rejects("c a=[1", "line 1, column 7: unclosed '[': expected ',' or ']'"),
    rejects("c a=[1, ", "line 1, column 9: expected a value, found end of line"),
    rejects("c a=[1] b", "line 1, column 9: expected KEY=VALUE, found b"),
    rejects(
      "c a=[1]x",
      "line 1, column 8: unexpected text after the end of the value of a= (separate arguments with a blank)"
    ),
    rejects("c a=[yes]", "line 1, column 6: unknown word yes in a literal (strings need quotes)"),
    rejects("c a=[1.]", "line 1, column 6: malformed number"),
    rejects("c a=[01]", "line 1, column 6: malformed number"),
    rejects("c a=[1e400]", "line 1, column 6: number 1e400 is too large"),
    rejects(#"c o={"a":1,,}"#, "line 1, column 12: expected a quoted key, found ','"),
    rejects(
      #"c o={"a":1 "b":2}"#, #"line 1, column 12: expected ',' or '}' in an object, found '"'"#),
    rejects(
      "c a=[\"x\ty\"]", #"line 1, column 8: control character in a string (write it as an escape)"#),
  ]

  static let keys: [LanguageCase] = [
    accepts("c a.b=1 c=2", #"{"execute":"c","arguments":{"a":{"b":1},"c":2}}"#),
    accepts("c a.b=1 a.c=2", #"{"execute":"c","arguments":{"a":{"b":1,"c":2}}}"#),
    accepts(
      "c a.b.c=1 a.b.d=2 a.e=3 f=4",
      #"{"execute":"c","arguments":{"a":{"b":{"c":1,"d":2},"e":3},"f":4}}"#),
    accepts(
      "c x=0 a.b=1 y=2 a.c=3", #"{"execute":"c","arguments":{"x":0,"a":{"b":1,"c":3},"y":2}}"#),
    accepts("c a-b=1 c_d=2", #"{"execute":"c","arguments":{"a-b":1,"c_d":2}}"#),
    accepts("c ab=1 a=2 abc=3", #"{"execute":"c","arguments":{"ab":1,"a":2,"abc":3}}"#),
    accepts("c a.b=1 ab.c=2", #"{"execute":"c","arguments":{"a":{"b":1},"ab":{"c":2}}}"#),
    rejects("c a=1 a=2", "line 1, column 7: a is set twice"),
    rejects("c a.b=1 a.b=2", "line 1, column 9: a.b is set twice"),
    rejects(
      "c a=1 a.b=2", "line 1, column 7: a is set to a value, so a.b cannot add a member to it"),
    rejects(
      "c a.b=1 a=2",
      "line 1, column 9: a already has dotted members, so it cannot be set to a value"),
    rejects(
      "c a.b.c=1 a.b=2",
      "line 1, column 11: a.b already has dotted members, so it cannot be set to a value"),
    rejects(
      "c a.b=1 a.b.c=2",
      "line 1, column 9: a.b is set to a value, so a.b.c cannot add a member to it"),
    rejects(
      #"c a={"b":1} a.c=2"#,
      "line 1, column 13: a is set to a value, so a.c cannot add a member to it"),
    rejects("c a..b=1", "line 1, column 5: empty part in dotted key a..b"),
    rejects("c .a=1", "line 1, column 3: empty part in dotted key .a"),
    rejects("c a.=1", "line 1, column 4: empty part in dotted key a."),
    rejects("c =1", "line 1, column 3: missing key before '='"),
    rejects("c foo", "line 1, column 3: expected KEY=VALUE, found foo"),
    rejects("c a=1 foo", "line 1, column 7: expected KEY=VALUE, found foo"),
  ]

  static let meta: [LanguageCase] = [
    rejects(".hlep", "line 1, column 1: unknown shell command .hlep; did you mean .help?"),
    rejects(".foo", "line 1, column 1: unknown shell command .foo (shell commands: .help, .quit)"),
    rejects(".quit now", "line 1, column 7: .quit takes no arguments"),
    rejects(".help a b", "line 1, column 9: .help takes at most one command name"),
    accepts("stop\n.quit\ncont", #"{"execute":"stop"}"#),
    accepts("  .exit"),
  ]

  static let rawJSON: [LanguageCase] = [
    accepts(#"{"execute": "stop"}"#, #"{"execute":"stop"}"#),
    accepts(#"{"execute":"stop","id":"a1"}"#, #"{"execute":"stop","id":"a1"}"#),
    accepts(#"{"exec-oob":"migrate-pause","id":1}"#, #"{"exec-oob":"migrate-pause","id":1}"#),
    accepts(#"{"arguments": {"a": 1}, "execute": "x"}"#, #"{"execute":"x","arguments":{"a":1}}"#),
    accepts(
      "{\"execute\":\n  \"blockdev-del\",\n  \"arguments\": {\"node-name\": \"n}\"}\n}",
      #"{"execute":"blockdev-del","arguments":{"node-name":"n}"}}"#),
    accepts("  {\"execute\":\"stop\"}  ", #"{"execute":"stop"}"#),
    accepts(
      #"{"execute":"x","arguments":{"s":"a\"}b"}}"#, #"{"execute":"x","arguments":{"s":"a\"}b"}}"#),
    accepts(
      "{\n\"execute\": \"x\",\n\"arguments\": {\"a\": [1,\n2]}\n}\nstop",
      #"{"execute":"x","arguments":{"a":[1,2]}}"#, #"{"execute":"stop"}"#),
    accepts(
      #"{"execute":"x","arguments":{"n":18446744073709551615}}"#,
      #"{"execute":"x","arguments":{"n":18446744073709551615}}"#),
    rejects(#"{"execute":"stop"} x"#, "line 1, column 20: unexpected text after the JSON command"),
    rejects(
      #"{"execute":"stop"}{"execute":"cont"}"#,
      "line 1, column 19: unexpected text after the JSON command"),
    rejects(
      #"{"exec":"stop"}"#,
      #"line 1, column 1: invalid QMP command: command has neither "execute" nor "exec-oob""#),
    rejects(
      #"{"execute":"a","exec-oob":"b"}"#,
      #"line 1, column 1: invalid QMP command: command has both "execute" and "exec-oob""#),
    rejects(
      #"{"execute":1}"#,
      "line 1, column 1: invalid QMP command: command.execute must be a string, got an integer"),
    rejects(
      #"{"execute":"a","arguments":[]}"#,
      "line 1, column 1: invalid QMP command: command.arguments must be an object, got an array"),
    rejects(
      #"{"execute":"a","extra":1}"#,
      #"line 1, column 1: invalid QMP command: command has an unexpected member "extra""#),
    rejects(
      #"{"execute":"a","execute":"b"}"#,
      #"line 1, column 16: invalid JSON: duplicate key "execute""#),
    rejects(
      "{\"execute\":\"a\"", "line 1, column 1: JSON command is not complete: input ended inside it"),
    rejects(
      "stop\n  {\n", "line 2, column 3: JSON command is not complete: input ended inside it",
      before: [#"{"execute":"stop"}"#]),
    rejects(
      "{\"execute\":\n\"a\", \"id\": x}",
      "line 2, column 12: invalid JSON: unexpected 'x' (0x78), expected a JSON value"),
    rejects(
      #"{"execute":"a", "x": [}"#,
      "line 1, column 23: invalid JSON: unexpected '}' (0x7D), expected a JSON value"),
    rejects(
      "{'execute':'a'}",
      "line 1, column 2: invalid JSON: unexpected ''' (0x27), expected a string key"),
  ]

  static let transactions: [LanguageCase] = [
    accepts(
      "transaction(\nabort\n)",
      #"{"execute":"transaction","arguments":{"actions":[{"type":"abort","data":{}}]}}"#),
    accepts(
      "transaction(\n  blockdev-snapshot-sync device=ide0 snapshot-file=/tmp/s.qcow2 format=qcow2\n  abort\n)",
      #"{"execute":"transaction","arguments":{"actions":[{"type":"blockdev-snapshot-sync","data":{"device":"ide0","snapshot-file":"/tmp/s.qcow2","format":"qcow2"}},{"type":"abort","data":{}}]}}"#
    ),
    accepts(
      "transaction( abort )",
      #"{"execute":"transaction","arguments":{"actions":[{"type":"abort","data":{}}]}}"#),
    accepts(
      "transaction( abort x=1 a.b='c d' )",
      #"{"execute":"transaction","arguments":{"actions":[{"type":"abort","data":{"x":1,"a":{"b":"c d"}}}]}}"#
    ),
    accepts(
      "transaction( abort\nabort )",
      #"{"execute":"transaction","arguments":{"actions":[{"type":"abort","data":{}},{"type":"abort","data":{}}]}}"#
    ),
    accepts(
      "transaction(\n\n# a comment\nabort\n   )\nstop",
      #"{"execute":"transaction","arguments":{"actions":[{"type":"abort","data":{}}]}}"#,
      #"{"execute":"stop"}"#),
    accepts(
      "transaction actions=[]", #"{"execute":"transaction","arguments":{"actions":[]}}"#),
    rejects(
      "transaction()", "line 1, column 13: empty transaction: give at least one action before ')'"),
    rejects(
      "transaction(\n)", "line 2, column 1: empty transaction: give at least one action before ')'"),
    rejects(
      "transaction(\nabort",
      "line 1, column 1: transaction( is not closed: input ended before its ')'"),
    rejects(
      "stop\n  transaction( abort",
      "line 2, column 3: transaction( is not closed: input ended before its ')'",
      before: [#"{"execute":"stop"}"#]),
    rejects(
      "transaction(\ntransaction(",
      "line 2, column 1: transaction( cannot be nested; close this one with ')' first"),
    rejects(")", "line 1, column 1: ')' outside a transaction"),
    rejects(
      "transaction(\nabort ) x",
      "line 2, column 9: unexpected text after the closing ')' of the transaction"),
    rejects(
      "transaction(\n{\"type\":\"abort\"}",
      "line 2, column 1: a transaction action is written TYPE [KEY=VALUE]…, not as JSON"),
    rejects(
      "transaction(\nabort a.b=1 a=2",
      "line 2, column 13: a already has dotted members, so it cannot be set to a value"),
    rejects(
      "transaction(abort)",
      "line 1, column 18: invalid character in command name abort) (names use letters, digits, '_', '-' and '.')"
    ),
    rejects("transaction( abort x )", "line 1, column 20: expected KEY=VALUE, found x"),
  ]

  static let hmp: [LanguageCase] = [
    accepts(
      "info status",
      #"{"execute":"human-monitor-command","arguments":{"command-line":"info status"}}"#, hmp: true),
    accepts(
      "  info   block  ",
      #"{"execute":"human-monitor-command","arguments":{"command-line":"info   block"}}"#, hmp: true
    ),
    accepts(
      "cpu 1\ninfo registers",
      #"{"execute":"human-monitor-command","arguments":{"command-line":"info registers","cpu-index":1}}"#,
      hmp: true),
    accepts(
      "info registers\ncpu 0\ninfo registers",
      #"{"execute":"human-monitor-command","arguments":{"command-line":"info registers"}}"#,
      #"{"execute":"human-monitor-command","arguments":{"command-line":"info registers","cpu-index":0}}"#,
      hmp: true),
    accepts(
      "cpu 2\ncpu 3\nx",
      #"{"execute":"human-monitor-command","arguments":{"command-line":"x","cpu-index":3}}"#,
      hmp: true),
    accepts(#"{"execute":"stop"}"#, #"{"execute":"stop"}"#, hmp: true),
    accepts("# comment", hmp: true),
    accepts(
      "cpux 1", #"{"execute":"human-monitor-command","arguments":{"command-line":"cpux 1"}}"#,
      hmp: true),
    accepts(
      #"transaction( abort s="x" )"#,
      #"{"execute":"human-monitor-command","arguments":{"command-line":"transaction( abort s=\"x\" )"}}"#,
      hmp: true),
    rejects(
      "cpu", "line 1, column 1: cpu takes one CPU index, a non-negative integer (cpu 1)", hmp: true),
    rejects(
      "  cpu x", "line 1, column 3: cpu takes one CPU index, a non-negative integer (cpu 1)",
      hmp: true),
    rejects(
      "cpu -1", "line 1, column 1: cpu takes one CPU index, a non-negative integer (cpu 1)",
      hmp: true),
    rejects(
      "cpu 1 2", "line 1, column 1: cpu takes one CPU index, a non-negative integer (cpu 1)",
      hmp: true),
    rejects(
      ".hmp", "line 1, column 1: unknown shell command .hmp (shell commands: .help, .quit)",
      hmp: true),
  ]

  static let all: [LanguageCase] =
    commands + comments + numbers + keywords + strings + literals + keys + meta + rawJSON
    + transactions + hmp
}
