; References in Go. Captures: @call @receiver @type @inherit @import @import.alias

(call_expression function: (identifier) @call)
(call_expression function: (selector_expression operand: (_) @receiver field: (field_identifier) @call))

(_ type: (type_identifier) @type)
(_ result: (type_identifier) @type)
(_ element: (type_identifier) @type)
(_ key: (type_identifier) @type)
(_ value: (type_identifier) @type)
(pointer_type (type_identifier) @type)
(type_arguments (type_elem (type_identifier) @type))
(type_spec name: (_) type: (type_identifier) @type)
(qualified_type package: (package_identifier) @receiver name: (type_identifier) @type)

(interface_type (type_elem (type_identifier) @inherit))
(field_declaration !name type: (type_identifier) @inherit)
(field_declaration !name type: (pointer_type (type_identifier) @inherit))
(field_declaration !name type: (qualified_type name: (type_identifier) @inherit))

(import_spec path: (interpreted_string_literal (interpreted_string_literal_content) @import))
(import_spec name: (package_identifier) @import.alias path: (interpreted_string_literal (interpreted_string_literal_content) @import))
