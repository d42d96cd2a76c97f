; References in Ruby. Captures: @call @receiver @type @inherit @import

(call receiver: (_) @receiver method: (identifier) @call)
(call !receiver method: (identifier) @call)
(call method: (constant) @call)

(superclass (constant) @inherit)
(superclass (scope_resolution name: (constant) @inherit))
((call !receiver method: (identifier) @_inc arguments: (argument_list (constant) @inherit))
  (#any-of? @_inc "include" "extend" "prepend"))

(scope_resolution name: (constant) @type)
(call receiver: (constant) @type)
(rescue (exceptions (constant) @type))

((call !receiver method: (identifier) @_req arguments: (argument_list (string (string_content) @import)))
  (#any-of? @_req "require" "require_relative" "load" "autoload"))
