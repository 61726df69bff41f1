(define (problem gripper-p03)
  (:domain gripper)
  (:objects kitchen hall - room ball1 - ball left right - gripper)
  (:init
    (at-robot hall)
    (free left)
    (free right)
    (at ball1 kitchen))
  (:goal
    (and
      (at ball1 hall))))
