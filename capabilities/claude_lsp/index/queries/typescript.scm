; TypeScript (and TSX) definitions and references: JavaScript's patterns on TypeScript's
; node types, plus interfaces, type aliases, enums and namespaces.
; Variables count at the top level and in namespaces; `const` ones are constants.
; Later patterns win over earlier ones for the same name.

[
  (class_declaration name: (type_identifier) @name)
  (abstract_class_declaration name: (type_identifier) @name)
  (class name: (type_identifier) @name)
] @definition.class

(interface_declaration
  name: (type_identifier) @name) @definition.interface

(type_alias_declaration
  name: (type_identifier) @name) @definition.type

(enum_declaration
  name: (identifier) @name) @definition.enum

(enum_body
  [
    (property_identifier) @name @definition.enum_member
    (enum_assignment name: (_) @name) @definition.enum_member
  ])

(internal_module
  name: [(identifier) (nested_identifier)] @name) @definition.namespace

(module
  name: [
    (identifier) @name
    (nested_identifier) @name
    (string (string_fragment) @name)
  ]) @definition.module

[
  (function_declaration name: (identifier) @name)
  (generator_function_declaration name: (identifier) @name)
  (function_expression name: (identifier) @name)
  (generator_function name: (identifier) @name)
  (function_signature name: (identifier) @name)
] @definition.function

[
  (method_definition
    name: [(property_identifier) (private_property_identifier) (string)] @name)
  (abstract_method_signature
    name: [(property_identifier) (private_property_identifier) (string)] @name)
] @definition.method

; Members of interfaces and of object type aliases, not of inline object types.
(interface_body
  (method_signature
    name: [(property_identifier) (private_property_identifier) (string)] @name) @definition.method)

(interface_body
  (property_signature
    name: [(property_identifier) (private_property_identifier) (string)] @name) @definition.property)

(type_alias_declaration
  value: (object_type
    (method_signature
      name: [(property_identifier) (private_property_identifier) (string)] @name) @definition.method))

(type_alias_declaration
  value: (object_type
    (property_signature
      name: [(property_identifier) (private_property_identifier) (string)] @name) @definition.property))

(method_definition
  ["get" "set"]
  name: [(property_identifier) (private_property_identifier)] @name) @definition.property

(public_field_definition
  name: [(property_identifier) (private_property_identifier)] @name) @definition.field

(program
  [
    (variable_declaration (variable_declarator name: (identifier) @name) @definition.variable)
    (export_statement declaration: (variable_declaration (variable_declarator name: (identifier) @name) @definition.variable))
    (ambient_declaration (variable_declaration (variable_declarator name: (identifier) @name) @definition.variable))
    (lexical_declaration (variable_declarator name: (identifier) @name) @definition.variable)
    (export_statement declaration: (lexical_declaration (variable_declarator name: (identifier) @name) @definition.variable))
    (ambient_declaration (lexical_declaration (variable_declarator name: (identifier) @name) @definition.variable))
  ])

(internal_module
  body: (statement_block
    [
      (variable_declaration (variable_declarator name: (identifier) @name) @definition.variable)
      (export_statement declaration: (variable_declaration (variable_declarator name: (identifier) @name) @definition.variable))
      (ambient_declaration (variable_declaration (variable_declarator name: (identifier) @name) @definition.variable))
      (lexical_declaration (variable_declarator name: (identifier) @name) @definition.variable)
      (export_statement declaration: (lexical_declaration (variable_declarator name: (identifier) @name) @definition.variable))
      (ambient_declaration (lexical_declaration (variable_declarator name: (identifier) @name) @definition.variable))
    ]))

(module
  body: (statement_block
    [
      (variable_declaration (variable_declarator name: (identifier) @name) @definition.variable)
      (export_statement declaration: (variable_declaration (variable_declarator name: (identifier) @name) @definition.variable))
      (ambient_declaration (variable_declaration (variable_declarator name: (identifier) @name) @definition.variable))
      (lexical_declaration (variable_declarator name: (identifier) @name) @definition.variable)
      (export_statement declaration: (lexical_declaration (variable_declarator name: (identifier) @name) @definition.variable))
      (ambient_declaration (lexical_declaration (variable_declarator name: (identifier) @name) @definition.variable))
    ]))

(program
  [
    (lexical_declaration kind: "const" (variable_declarator name: (identifier) @name) @definition.constant)
    (export_statement declaration: (lexical_declaration kind: "const" (variable_declarator name: (identifier) @name) @definition.constant))
    (ambient_declaration (lexical_declaration kind: "const" (variable_declarator name: (identifier) @name) @definition.constant))
  ])

(internal_module
  body: (statement_block
    [
      (lexical_declaration kind: "const" (variable_declarator name: (identifier) @name) @definition.constant)
      (export_statement declaration: (lexical_declaration kind: "const" (variable_declarator name: (identifier) @name) @definition.constant))
      (ambient_declaration (lexical_declaration kind: "const" (variable_declarator name: (identifier) @name) @definition.constant))
    ]))

(module
  body: (statement_block
    [
      (lexical_declaration kind: "const" (variable_declarator name: (identifier) @name) @definition.constant)
      (export_statement declaration: (lexical_declaration kind: "const" (variable_declarator name: (identifier) @name) @definition.constant))
      (ambient_declaration (lexical_declaration kind: "const" (variable_declarator name: (identifier) @name) @definition.constant))
    ]))

(variable_declarator
  name: (identifier) @name
  value: [(arrow_function) (function_expression) (generator_function)]) @definition.function

(variable_declarator
  name: (identifier) @name
  value: (class)) @definition.class

(assignment_expression
  left: [
    (identifier) @name
    (member_expression property: (property_identifier) @name)
  ]
  right: [(arrow_function) (function_expression) (generator_function)]) @definition.function

(pair
  key: [(property_identifier) (string)] @name
  value: [(arrow_function) (function_expression) (generator_function)]) @definition.method

(
  (call_expression
    function: (identifier) @name) @reference.call
  (#not-eq? @name "require")
)

(call_expression
  function: (member_expression
    property: [(property_identifier) (private_property_identifier)] @name)) @reference.call

(new_expression
  constructor: [
    (identifier) @name
    (member_expression property: (property_identifier) @name)
  ]) @reference.class

(extends_clause
  value: [
    (identifier) @name
    (member_expression property: (property_identifier) @name)
  ] @reference.class)

(implements_clause
  [
    (type_identifier) @name
    (generic_type name: (type_identifier) @name)
  ] @reference.implementation)

(type_annotation
  [
    (type_identifier) @name
    (generic_type name: (type_identifier) @name)
  ] @reference.type)
