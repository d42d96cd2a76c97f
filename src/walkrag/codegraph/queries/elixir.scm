; References in Elixir. Captures: @call @receiver @import
; (Function heads inside def/defp are calls in the grammar; they are dropped as definitions.)

((call target: (identifier) @call)
  (#not-match? @call "^(def|defp|defmodule|defmacro|defmacrop|defprotocol|defimpl|defguard|defguardp|defdelegate|defstruct|defexception|alias|import|require|use|if|unless|case|cond|with|for|fn|quote|unquote|raise|receive|try)$"))
(call target: (dot left: (_) @receiver right: (identifier) @call))

((call target: (identifier) @_k (arguments (alias) @import))
  (#any-of? @_k "alias" "import" "require" "use"))
((call target: (identifier) @_k (arguments (alias) @inherit))
  (#any-of? @_k "use" "@behaviour"))
(unary_operator operand: (call target: (identifier) @_b (arguments (alias) @inherit)) (#eq? @_b "behaviour"))
