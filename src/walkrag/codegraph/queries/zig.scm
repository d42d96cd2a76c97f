; References in Zig. Captures: @call @type @import

(FieldOrFnCall function_call: (IDENTIFIER) @call)
(SuffixExpr variable_type_function: (IDENTIFIER) @call . (FnCallArguments))

(ParamType (ErrorUnionExpr (SuffixExpr variable_type_function: (IDENTIFIER) @type)))
(FnProto (ErrorUnionExpr (SuffixExpr variable_type_function: (IDENTIFIER) @type)))
(ContainerField (ErrorUnionExpr (SuffixExpr variable_type_function: (IDENTIFIER) @type)))
(VarDecl (ErrorUnionExpr (SuffixExpr variable_type_function: (IDENTIFIER) @type . (FieldOrFnCall field_access: (IDENTIFIER)))))

((SuffixExpr (BUILTINIDENTIFIER) @_b (FnCallArguments (ErrorUnionExpr (SuffixExpr (STRINGLITERALSINGLE) @import))))
  (#eq? @_b "@import"))
