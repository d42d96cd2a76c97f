; References in Lua. Captures: @call @receiver @import

(function_call name: (identifier) @call)
(function_call name: (dot_index_expression table: (_) @receiver field: (identifier) @call))
(function_call name: (method_index_expression table: (_) @receiver method: (identifier) @call))

((function_call name: (identifier) @_r arguments: (arguments (string content: (string_content) @import)))
  (#eq? @_r "require"))
