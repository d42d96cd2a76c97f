; References in C++. Captures: @call @receiver @type @inherit @import

(call_expression function: (identifier) @call)
(call_expression function: (field_expression argument: (_) @receiver field: (field_identifier) @call))
(call_expression function: (qualified_identifier scope: (_) @receiver name: (identifier) @call))
(call_expression function: (template_function name: (identifier) @call))
(call_expression function: (qualified_identifier name: (template_function name: (identifier) @call)))
(new_expression type: (type_identifier) @call)

(base_class_clause (type_identifier) @inherit)
(base_class_clause (qualified_identifier name: (type_identifier) @inherit))
(base_class_clause (template_type name: (type_identifier) @inherit))

(_ type: (type_identifier) @type)
(template_type name: (type_identifier) @type)
(qualified_identifier name: (type_identifier) @type)
(template_argument_list (type_descriptor type: (type_identifier) @type))
(struct_specifier !body name: (type_identifier) @type)
(class_specifier !body name: (type_identifier) @type)
(sizeof_expression (parenthesized_expression (identifier) @type))

(preproc_include path: (string_literal (string_content) @import))
(preproc_include path: (system_lib_string) @import)
(using_declaration (qualified_identifier) @import)
