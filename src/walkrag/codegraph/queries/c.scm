; References in C. Captures: @call @receiver @type @import

(call_expression function: (identifier) @call)
(call_expression function: (field_expression argument: (_) @receiver field: (field_identifier) @call))

(_ type: (type_identifier) @type)
(struct_specifier !body name: (type_identifier) @type)
(union_specifier !body name: (type_identifier) @type)
(enum_specifier !body name: (type_identifier) @type)
(sizeof_expression (parenthesized_expression (identifier) @type))
(cast_expression type: (type_descriptor type: (type_identifier) @type))

(preproc_include path: (string_literal (string_content) @import))
(preproc_include path: (system_lib_string) @import)
