; References in Kotlin. Captures: @call @receiver @type @inherit @import @import.alias

(call_expression (simple_identifier) @call)
(call_expression (navigation_expression (_) @receiver (navigation_suffix (simple_identifier) @call)))
(annotation (user_type (type_identifier) @type))

(delegation_specifier (constructor_invocation (user_type (type_identifier) @inherit)))
(delegation_specifier (user_type (type_identifier) @inherit))

(user_type (type_identifier) @type)

(import_header (identifier) @import)
(import_header (identifier) @import (import_alias (type_identifier) @import.alias))
