; Blocksworld with a single arm, written for ACBench (typed STRIPS, four operators).
(define (domain blocksworld)
  (:requirements :strips :typing :equality)
  (:types block)
  (:predicates
    (on ?b - block ?under - block)
    (on-table ?b - block)
    (clear ?b - block)
    (arm-empty)
    (holding ?b - block))

  (:action pick-up
    :parameters (?b - block)
    :precondition (and (clear ?b) (on-table ?b) (arm-empty))
    :effect (and (holding ?b) (not (on-table ?b)) (not (clear ?b)) (not (arm-empty))))

  (:action put-down
    :parameters (?b - block)
    :precondition (holding ?b)
    :effect (and (on-table ?b) (clear ?b) (arm-empty) (not (holding ?b))))

  (:action stack
    :parameters (?b - block ?under - block)
    :precondition (and (holding ?b) (clear ?under) (not (= ?b ?under)))
    :effect (and (on ?b ?under) (clear ?b) (arm-empty) (not (holding ?b)) (not (clear ?under))))

  (:action unstack
    :parameters (?b - block ?under - block)
    :precondition (and (on ?b ?under) (clear ?b) (arm-empty))
    :effect (and (holding ?b) (clear ?under) (not (on ?b ?under)) (not (clear ?b)) (not (arm-empty)))))
