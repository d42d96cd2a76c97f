; References in Scala. Captures: @call @receiver @type @inherit @import (whole statement)

(call_expression function: (identifier) @call)
(call_expression function: (field_expression value: (_) @receiver field: (identifier) @call))
(call_expression function: (generic_function function: (identifier) @call))
(instance_expression (type_identifier) @call)
(instance_expression (generic_type type: (type_identifier) @call))
(infix_expression operator: (identifier) @call)

(extends_clause type: (type_identifier) @inherit)
(extends_clause type: (generic_type type: (type_identifier) @inherit))
(extends_clause (type_identifier) @inherit)

(_ type: (type_identifier) @type)
(_ return_type: (type_identifier) @type)
(generic_type type: (type_identifier) @type)
(type_arguments (type_identifier) @type)
(field_expression value: (identifier) @type (#match? @type "^[A-Z]"))

(import_declaration) @import
